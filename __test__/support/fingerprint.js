'use strict';
// A catalog fingerprint of its own, independent of the doctor's catalog reader: every schema
// object a migration can create or change, as (kind, identity) -> definition, read from
// pg_catalog with PostgreSQL's own deparsers (pg_get_constraintdef, pg_get_indexdef,
// pg_get_viewdef, pg_get_functiondef, pg_get_triggerdef, ...). Two databases with equal
// fingerprints hold the same schema; `diffFingerprints` names what differs.
//
// Scope: every schema but the system ones; objects that belong to an extension are left out
// (the extension itself, with its version, stands for them); `_prisma_migrations` is left out
// (its rows are the ledger, not the schema). Data is not part of it: an UPDATE leaves the same
// fingerprint, which is the point (a state that differs only by data is not decidable from the
// catalog).

const crypto = require('node:crypto');

const USER_NAMESPACES = `
  SELECT n.oid, n.nspname FROM pg_namespace n
   WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
     AND n.nspname NOT LIKE 'pg_temp_%' AND n.nspname NOT LIKE 'pg_toast_temp_%'
     AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_namespace'::regclass AND d.objid = n.oid AND d.deptype = 'e')`;

const NOT_EXTENSION_MEMBER = (catalog, oidExpr) =>
  `NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = '${catalog}'::regclass AND e.objid = ${oidExpr} AND e.deptype = 'e')`;

// One statement, one round trip: rows of (kind, key, value).
const FINGERPRINT_SQL = `
WITH ns AS (${USER_NAMESPACES}),
rel AS (
  SELECT c.*, ns.nspname, quote_ident(ns.nspname) || '.' || quote_ident(c.relname) AS qname
    FROM pg_class c JOIN ns ON ns.oid = c.relnamespace
   WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S', 'c')
     AND NOT (c.relname = '_prisma_migrations' AND c.relkind = 'r')
     AND ${NOT_EXTENSION_MEMBER('pg_class', 'c.oid')}
)
SELECT 'schema' AS kind, quote_ident(nspname) AS key, coalesce((SELECT nspacl::text FROM pg_namespace WHERE oid = ns.oid), '') AS value FROM ns
UNION ALL
SELECT 'relation', qname,
       concat_ws(' | ', 'kind=' || relkind::text, 'persistence=' || relpersistence::text,
                 CASE WHEN reloptions IS NOT NULL THEN 'options=' || reloptions::text END,
                 CASE WHEN relrowsecurity THEN 'rls' END, CASE WHEN relforcerowsecurity THEN 'force-rls' END,
                 CASE WHEN relkind = 'p' THEN 'partition-by=' || pg_get_partkeydef(oid) END,
                 CASE WHEN relispartition THEN 'partition-of=' || (SELECT inhparent::regclass::text FROM pg_inherits WHERE inhrelid = rel.oid) || ' ' || pg_get_expr(relpartbound, oid) END,
                 CASE WHEN relkind IN ('v', 'm') THEN 'definition=' || pg_get_viewdef(oid) END,
                 CASE WHEN relacl IS NOT NULL THEN 'acl=' || relacl::text END)
  FROM rel WHERE relkind <> 'S'
UNION ALL
SELECT 'column', r.qname || '.' || quote_ident(a.attname),
       concat_ws(' | ', 'position=' || row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum),
                 'type=' || format_type(a.atttypid, a.atttypmod),
                 CASE WHEN a.attnotnull THEN 'not-null' END,
                 CASE WHEN ad.adbin IS NOT NULL THEN 'default=' || pg_get_expr(ad.adbin, ad.adrelid) END,
                 CASE WHEN a.attidentity <> '' THEN 'identity=' || a.attidentity::text END,
                 CASE WHEN a.attgenerated <> '' THEN 'generated=' || a.attgenerated::text END,
                 CASE WHEN a.attcollation <> 0 AND a.attcollation <> (SELECT typcollation FROM pg_type WHERE oid = a.atttypid)
                      THEN 'collation=' || (SELECT collname FROM pg_collation WHERE oid = a.attcollation) END,
                 CASE WHEN a.attacl IS NOT NULL THEN 'acl=' || a.attacl::text END)
  FROM rel r JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
 WHERE r.relkind <> 'S'
UNION ALL
SELECT 'constraint', coalesce(r.qname, quote_ident(tn.nspname) || '.' || quote_ident(t.typname)) || '.' || quote_ident(co.conname),
       co.contype::text || ' ' || pg_get_constraintdef(co.oid)
  FROM pg_constraint co
  LEFT JOIN rel r ON r.oid = co.conrelid
  LEFT JOIN pg_type t ON t.oid = co.contypid
  LEFT JOIN ns tn ON tn.oid = t.typnamespace
 WHERE (r.oid IS NOT NULL) OR (co.contypid <> 0 AND tn.oid IS NOT NULL)
UNION ALL
SELECT 'index', quote_ident(ns.nspname) || '.' || quote_ident(ic.relname),
       pg_get_indexdef(i.indexrelid) || CASE WHEN NOT i.indisvalid THEN ' INVALID' ELSE '' END
         || CASE WHEN i.indisclustered THEN ' CLUSTERED' ELSE '' END
  FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN ns ON ns.oid = ic.relnamespace
  JOIN rel r ON r.oid = i.indrelid
UNION ALL
SELECT 'type', quote_ident(ns.nspname) || '.' || quote_ident(t.typname),
       CASE t.typtype
         WHEN 'e' THEN 'enum(' || (SELECT string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid) || ')'
         WHEN 'd' THEN 'domain ' || format_type(t.typbasetype, t.typtypmod) || CASE WHEN t.typnotnull THEN ' not-null' ELSE '' END
                        || coalesce(' default ' || t.typdefault, '')
         WHEN 'r' THEN 'range of ' || (SELECT format_type(rngsubtype, NULL) FROM pg_range WHERE rngtypid = t.oid)
         WHEN 'c' THEN 'composite'
         ELSE 'type ' || t.typtype::text
       END || CASE WHEN t.typacl IS NOT NULL THEN ' acl=' || t.typacl::text ELSE '' END
  FROM pg_type t JOIN ns ON ns.oid = t.typnamespace
 WHERE (t.typtype IN ('e', 'd', 'r', 'm')
        OR (t.typtype = 'c' AND EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = t.typrelid AND c.relkind = 'c')))
   AND ${NOT_EXTENSION_MEMBER('pg_type', 't.oid')}
UNION ALL
SELECT 'function', quote_ident(ns.nspname) || '.' || quote_ident(p.proname) || '(' || pg_get_function_identity_arguments(p.oid) || ')',
       CASE WHEN p.prokind IN ('f', 'p') THEN pg_get_functiondef(p.oid) ELSE 'kind=' || p.prokind::text END
         || CASE WHEN p.proacl IS NOT NULL THEN ' acl=' || p.proacl::text ELSE '' END
  FROM pg_proc p JOIN ns ON ns.oid = p.pronamespace
 WHERE ${NOT_EXTENSION_MEMBER('pg_proc', 'p.oid')}
UNION ALL
SELECT 'trigger', r.qname || '.' || quote_ident(tg.tgname), pg_get_triggerdef(tg.oid) || ' enabled=' || tg.tgenabled::text
  FROM pg_trigger tg JOIN rel r ON r.oid = tg.tgrelid WHERE NOT tg.tgisinternal
UNION ALL
SELECT 'sequence', r.qname,
       concat_ws(' | ', 'type=' || format_type(s.seqtypid, NULL), 'start=' || s.seqstart, 'increment=' || s.seqincrement,
                 'min=' || s.seqmin, 'max=' || s.seqmax, 'cache=' || s.seqcache, CASE WHEN s.seqcycle THEN 'cycle' END,
                 'owned-by=' || coalesce((SELECT d.refobjid::regclass::text || '.' || quote_ident(a.attname)
                                            FROM pg_depend d JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                                           WHERE d.classid = 'pg_class'::regclass AND d.objid = r.oid AND d.deptype IN ('a', 'i')
                                             AND d.refclassid = 'pg_class'::regclass LIMIT 1), '-'),
                 CASE WHEN r.relacl IS NOT NULL THEN 'acl=' || r.relacl::text END)
  FROM rel r JOIN pg_sequence s ON s.seqrelid = r.oid WHERE r.relkind = 'S'
UNION ALL
SELECT 'comment', o.type || ' ' || o.identity, d.description
  FROM pg_description d, LATERAL pg_identify_object(d.classoid, d.objoid, d.objsubid) o
 WHERE (d.objoid >= 16384 OR d.classoid = 'pg_namespace'::regclass) -- FirstNormalObjectId: system comments left out
   AND ((o.schema IS NOT NULL AND o.schema IN (SELECT nspname FROM ns)
         AND NOT (o.type = 'table' AND o.identity LIKE '%._prisma_migrations'))
        OR (o.type = 'schema' AND o.identity IN (SELECT quote_ident(nspname) FROM ns)))
UNION ALL
SELECT 'extension', quote_ident(x.extname), 'schema=' || xn.nspname || ' version=' || x.extversion
  FROM pg_extension x JOIN pg_namespace xn ON xn.oid = x.extnamespace WHERE x.extname <> 'plpgsql'
UNION ALL
SELECT 'policy', r.qname || '.' || quote_ident(po.polname),
       concat_ws(' | ', 'cmd=' || po.polcmd::text, CASE WHEN po.polpermissive THEN 'permissive' ELSE 'restrictive' END,
                 'roles=' || (SELECT string_agg(CASE WHEN rid = 0 THEN 'public' ELSE rid::regrole::text END, ',' ORDER BY 1) FROM unnest(po.polroles) rid),
                 'using=' || pg_get_expr(po.polqual, po.polrelid), 'check=' || pg_get_expr(po.polwithcheck, po.polrelid))
  FROM pg_policy po JOIN rel r ON r.oid = po.polrelid
UNION ALL
SELECT 'rule', r.qname || '.' || quote_ident(ru.rulename), pg_get_ruledef(ru.oid)
  FROM pg_rewrite ru JOIN rel r ON r.oid = ru.ev_class WHERE ru.rulename <> '_RETURN'
UNION ALL
SELECT 'statistics', quote_ident(ns.nspname) || '.' || quote_ident(st.stxname), pg_get_statisticsobjdef(st.oid)
  FROM pg_statistic_ext st JOIN ns ON ns.oid = st.stxnamespace
UNION ALL
SELECT 'collation', quote_ident(ns.nspname) || '.' || quote_ident(cl.collname), concat_ws(' ', cl.collprovider::text, cl.collcollate, cl.collctype, cl.colllocale)
  FROM pg_collation cl JOIN ns ON ns.oid = cl.collnamespace
UNION ALL
SELECT 'publication', quote_ident(pb.pubname), concat_ws(' ', pb.puballtables, pb.pubinsert, pb.pubupdate, pb.pubdelete)
  FROM pg_publication pb
UNION ALL
SELECT 'event-trigger', quote_ident(et.evtname), et.evtevent || ' ' || et.evtfoid::regproc::text || ' ' || et.evtenabled::text
  FROM pg_event_trigger et
`;

/**
 * Reads the fingerprint of the database a pg client is connected to.
 * @param {import('pg').Client} client
 * @returns {Promise<{ hash: string, entries: Map<string, string> }>} entries: "kind key" -> value
 */
async function readFingerprint(client) {
  const res = await client.query({ text: FINGERPRINT_SQL, rowMode: 'array' });
  const entries = new Map();
  const lines = [];
  for (const [kind, key, value] of res.rows) {
    const k = `${kind} ${key}`;
    // the same key twice (an overloaded identity): keep both, in a stable order
    const prior = entries.get(k);
    entries.set(k, prior === undefined ? value : [prior, value].sort().join(' || '));
  }
  for (const k of [...entries.keys()].sort()) lines.push(`${k}\t${entries.get(k)}`);
  const hash = crypto.createHash('sha256').update(lines.join('\n')).digest('hex');
  return { hash, entries };
}

/**
 * What differs between two fingerprints: entries only in `a`, only in `b`, and changed ones.
 * @returns {{ onlyA: string[], onlyB: string[], changed: Array<{ key: string, a: string, b: string }> }}
 */
function diffFingerprints(a, b) {
  const onlyA = [];
  const onlyB = [];
  const changed = [];
  for (const [k, v] of a.entries) {
    if (!b.entries.has(k)) onlyA.push(k);
    else if (b.entries.get(k) !== v) changed.push({ key: k, a: v, b: b.entries.get(k) });
  }
  for (const k of b.entries.keys()) if (!a.entries.has(k)) onlyB.push(k);
  return { onlyA: onlyA.sort(), onlyB: onlyB.sort(), changed };
}

/** A short human description of a difference (for reports). */
function describeDiff(d, limit = 3) {
  const parts = [];
  for (const k of d.onlyA.slice(0, limit)) parts.push(`-${k}`);
  for (const k of d.onlyB.slice(0, limit)) parts.push(`+${k}`);
  for (const c of d.changed.slice(0, limit)) parts.push(`~${c.key}`);
  const more = d.onlyA.length + d.onlyB.length + d.changed.length - parts.length;
  if (more > 0) parts.push(`(+${more} more)`);
  return parts.join(', ');
}

module.exports = { readFingerprint, diffFingerprints, describeDiff, FINGERPRINT_SQL };
