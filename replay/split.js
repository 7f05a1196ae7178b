'use strict';
// The replay's own statement splitter: PostgreSQL's real parser (libpg-query, the server's
// grammar compiled to wasm), independent of the doctor's splitter, so that the states the replay
// builds ("stopped after k statements") are cut where PostgreSQL itself cuts.

const pgQuery = require('libpg-query');

let loaded = null;

/** Loads the wasm parser once per process. */
function loadSplitter() {
  if (!loaded) loaded = pgQuery.loadModule();
  return loaded;
}

// Statement kinds that leave nothing in the catalog and change no data: running them again is
// harmless, so a prefix that differs from another only by these is the same state.
const SESSION_KINDS = new Set(['VariableSetStmt', 'VariableShowStmt', 'LockStmt', 'TransactionStmt', 'DiscardStmt', 'CheckPointStmt']);
// Statement kinds whose effect the catalog cannot show (data, procedural code): a state that
// differs only by one of them is not decidable from the catalog, and running one twice, or
// skipping one, can change data.
const DATA_KINDS = new Set(['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt', 'DoStmt', 'CallStmt', 'CopyStmt', 'SelectStmt', 'ExecuteStmt', 'RefreshMatViewStmt', 'CreateTableAsStmt']);

// PL/pgSQL statements that change nothing themselves (control flow, messages); `execsql` is
// judged by the SQL it runs.
const PLPGSQL_NEUTRAL = new Set(['PLpgSQL_stmt_block', 'PLpgSQL_stmt_if', 'PLpgSQL_stmt_raise', 'PLpgSQL_stmt_return', 'PLpgSQL_stmt_assert']);

/**
 * Whether a DO block only runs DDL (read with PostgreSQL's own PL/pgSQL parser): then what it
 * does is in the catalog, where the fingerprints see it, and it changes no data. Anything else
 * (DML, PERFORM, dynamic EXECUTE, loops, another language) is treated as a data change.
 */
function ddlOnlyDo(doStmt) {
  const args = (doStmt.args || []).map((a) => a.DefElem || {});
  const lang = args.find((a) => a.defname === 'language');
  if (lang && ((lang.arg || {}).String || {}).sval !== 'plpgsql') return false;
  const body = ((args.find((a) => a.defname === 'as') || {}).arg || {}).String;
  if (!body || typeof body.sval !== 'string' || body.sval.includes('$pmd_do$')) return false;
  let tree;
  try {
    tree = pgQuery.parsePlPgSQLSync(`CREATE FUNCTION pg_temp.pmd_do() RETURNS void LANGUAGE plpgsql AS $pmd_do$${body.sval}$pmd_do$`);
  } catch {
    return false;
  }
  let ok = true;
  const visit = (node) => {
    if (!ok || node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach(visit);
    for (const [key, value] of Object.entries(node)) {
      if (key.startsWith('PLpgSQL_stmt_')) {
        if (key === 'PLpgSQL_stmt_execsql') {
          const query = ((value.sqlstmt || {}).PLpgSQL_expr || {}).query;
          let parsed;
          try {
            parsed = pgQuery.parseSync(String(query));
          } catch {
            ok = false;
            return;
          }
          const kinds = (parsed.stmts || []).map((x) => Object.keys(x.stmt)[0]);
          if (kinds.length === 0 || kinds.some((k) => DATA_KINDS.has(k) || SESSION_KINDS.has(k))) ok = false;
          continue;
        }
        if (!PLPGSQL_NEUTRAL.has(key)) {
          ok = false;
          return;
        }
      }
      visit(value);
    }
  };
  visit(((tree.plpgsql_funcs || [])[0] || {}).PLpgSQL_function || {});
  return ok;
}

// the parse tree's byte positions: the same statement elsewhere in a file has other ones
const POSITION_KEYS = { has: (k) => k === 'stmt_len' || /location$|list_(start|end)$/.test(k) };

function stripLocations(node) {
  if (Array.isArray(node)) return node.map(stripLocations);
  if (node && typeof node === 'object') {
    const out = {};
    for (const [k, v] of Object.entries(node)) if (!POSITION_KEYS.has(k)) out[k] = stripLocations(v);
    return out;
  }
  return node;
}

/** A short name for what a statement does, for grouping misses: the node type and its sub-kind. */
function statementTag(stmt) {
  const kind = Object.keys(stmt)[0];
  const body = stmt[kind] || {};
  const short = kind.replace(/Stmt$/, '');
  const strip = (s) => String(s).replace(/^(AT_|OBJECT_|TRANS_STMT_|VAR_)/, '');
  switch (kind) {
    case 'AlterTableStmt': {
      const subs = [...new Set((body.cmds || []).map((c) => strip((c.AlterTableCmd || {}).subtype)))];
      return `AlterTable:${subs.join('+')}`;
    }
    case 'DropStmt':
      return `Drop:${strip(body.removeType)}${body.missing_ok ? ':IF-EXISTS' : ''}`;
    case 'RenameStmt':
      return `Rename:${strip(body.renameType)}`;
    case 'AlterEnumStmt':
      return body.oldVal ? 'AlterEnum:RenameValue' : 'AlterEnum:AddValue';
    case 'CreateStmt':
      return `CreateTable${body.if_not_exists ? ':IF-NOT-EXISTS' : ''}`;
    case 'IndexStmt':
      return `CreateIndex${body.unique ? ':UNIQUE' : ''}${body.concurrent ? ':CONCURRENTLY' : ''}${body.if_not_exists ? ':IF-NOT-EXISTS' : ''}`;
    case 'ViewStmt':
      return `CreateView${body.replace ? ':OR-REPLACE' : ''}`;
    case 'CreateFunctionStmt':
      return `CreateFunction${body.replace ? ':OR-REPLACE' : ''}`;
    case 'TransactionStmt':
      return `Transaction:${strip(body.kind)}`;
    case 'VariableSetStmt':
      return `Set:${body.name || strip(body.kind)}`;
    case 'CommentStmt':
      return `Comment:${strip(body.objtype)}`;
    case 'CreateEnumStmt':
      return 'CreateEnum';
    case 'AlterObjectSchemaStmt':
      return `SetSchema:${strip(body.objectType)}`;
    default:
      return short;
  }
}

function transactionKind(stmt) {
  const t = stmt.TransactionStmt;
  return t ? t.kind : null;
}

/**
 * Splits a script into statements with PostgreSQL's parser.
 * @returns {{ ok: true, statements: Array<{ index: number, sql: string, kind: string,
 *   tag: string, session: boolean, data: boolean, transaction: string|null, shape: string }> }
 *   | { ok: false, error: string }}
 *   `sql` is the statement text as written (without its `;`), `shape` its parse tree without
 *   positions (two statements with the same shape are the same statement).
 */
function splitScript(script) {
  let parsed;
  try {
    parsed = pgQuery.parseSync(script);
  } catch (e) {
    return { ok: false, error: (e && e.message) || String(e) };
  }
  const bytes = Buffer.from(script, 'utf8');
  const statements = (parsed.stmts || []).map((s, index) => {
    const start = s.stmt_location || 0;
    const end = s.stmt_len ? start + s.stmt_len : bytes.length;
    const sql = bytes.subarray(start, end).toString('utf8').trim();
    const kind = Object.keys(s.stmt)[0];
    return {
      index,
      sql,
      kind,
      tag: statementTag(s.stmt),
      session: SESSION_KINDS.has(kind),
      data: DATA_KINDS.has(kind) && !(kind === 'DoStmt' && ddlOnlyDo(s.stmt.DoStmt)),
      transaction: transactionKind(s.stmt),
      shape: JSON.stringify(stripLocations(s.stmt)),
    };
  });
  return { ok: true, statements };
}

/** Just the statement texts (for the engine's 'statements' mode). */
function splitTexts(script) {
  const r = splitScript(script);
  if (!r.ok) throw new Error(`libpg-query cannot parse the script: ${r.error}`);
  return r.statements.map((s) => s.sql);
}

/** How many statements PostgreSQL's parser finds in a piece of SQL (null when it cannot parse it). */
function countStatements(sql) {
  const r = splitScript(sql);
  return r.ok ? r.statements.length : null;
}

/** The shapes of the statements in a piece of SQL (null when it cannot parse it). */
function shapesOf(sql) {
  const r = splitScript(sql);
  return r.ok ? r.statements.map((s) => s.shape) : null;
}

const OPENS = new Set(['TRANS_STMT_BEGIN', 'TRANS_STMT_START']);
const CLOSES = new Set(['TRANS_STMT_COMMIT', 'TRANS_STMT_ROLLBACK', 'TRANS_STMT_COMMIT_PREPARED', 'TRANS_STMT_PREPARE']);

/**
 * For each prefix k (0..n): whether the script's own transaction block is open after statements
 * 0..k-1 ran one by one (a BEGIN without its COMMIT yet).
 */
function openBlocks(statements) {
  const out = [];
  let open = false;
  for (let k = 0; k <= statements.length; k++) {
    out.push(open);
    if (k < statements.length) {
      const t = statements[k].transaction;
      if (t && OPENS.has(t)) open = true;
      else if (t && CLOSES.has(t)) open = false;
    }
  }
  return out;
}

/**
 * The prefixes k (statements 0..k-1 committed) a failure can leave, per execution model.
 *  - 'statements' (Prisma 7 native connector, driver adapters): each statement is its own
 *    autocommit transaction, except inside the script's own BEGIN ... COMMIT, whose statements
 *    share one fate: a failure inside the block leaves the prefix before its BEGIN.
 *  - 'transaction' (Prisma 6 and older): the whole script is one simple query, one implicit
 *    transaction, except that a COMMIT in the script commits what came before it.
 * Both include n (everything ran: the migration was finished by hand, or the engine died before
 * it could record success).
 */
function possiblePrefixes(statements, model) {
  const n = statements.length;
  const out = new Set([0, n]);
  if (model === 'statements') {
    openBlocks(statements).forEach((open, k) => {
      if (!open) out.add(k);
    });
  } else {
    statements.forEach((s, i) => {
      if (s.transaction === 'TRANS_STMT_COMMIT') out.add(i + 1);
    });
  }
  return [...out].sort((a, b) => a - b);
}

module.exports = { statementTag, loadSplitter, splitScript, splitTexts, countStatements, shapesOf, possiblePrefixes, openBlocks };
