// ESM entry: the same wrapped API as lib/index.js (stable error codes, Prisma 7 config).
import doctor from './index.js'

export const { diagnose, resolve, heal, diagnoseMany, healMany, __napiBindingTarget } = doctor
export default doctor
