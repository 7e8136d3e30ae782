-- The catalog of the megaforce extension, one row per object:
--   kind, name        what the object is (the key)
--   definition        how it is defined (changes here are drift)
--   position          a column's place among the live columns
--   grants            owner and privileges (deployment-specific)
-- Names only, never OIDs, so two databases compare row by row. Dropped
-- columns are left out (a downgrade that drops a column leaves a dropped
-- slot in the catalog). `megaforce check` compares kind, name and definition
-- with the catalog of a fresh install of the installed version; the upgrade
-- tests compare everything.
WITH ns AS (SELECT 'megaforce'::pg_catalog.regnamespace AS oid),
ext AS (SELECT e.oid, e.extconfig, e.extcondition FROM pg_catalog.pg_extension e WHERE e.extname = 'megaforce'),
rel AS (SELECT c.* FROM pg_catalog.pg_class c, ns WHERE c.relnamespace = ns.oid),
fn AS (SELECT p.* FROM pg_catalog.pg_proc p, ns WHERE p.pronamespace = ns.oid)
SELECT kind, name, definition, position, grants FROM (
  SELECT 'relation' AS kind, c.relname::text AS name,
         pg_catalog.format('kind=%s persistence=%s options=%s rls=%s/%s replident=%s', c.relkind, c.relpersistence,
                           c.reloptions, c.relrowsecurity, c.relforcerowsecurity, c.relreplident) AS definition,
         NULL::bigint AS position, pg_catalog.format('owner=%s acl=%s', c.relowner::pg_catalog.regrole, c.relacl) AS grants
  FROM rel c WHERE c.relkind IN ('r', 'p', 'S', 'v', 'm', 'i', 'f', 'c')
  UNION ALL
  SELECT 'column', c.relname || '.' || a.attname,
         pg_catalog.format('type=%s notnull=%s default=%s identity=%s generated=%s collation=%s storage=%s',
                           pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull,
                           pg_catalog.pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated,
                           a.attcollation::pg_catalog.regcollation, a.attstorage),
         pg_catalog.rank() OVER (PARTITION BY c.oid ORDER BY a.attnum), pg_catalog.format('acl=%s', a.attacl)
  FROM rel c JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid
  LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
  WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'c')
  UNION ALL
  SELECT 'sequence', c.relname,
         pg_catalog.format('type=%s start=%s increment=%s min=%s max=%s cache=%s cycle=%s owned_by=%s',
                           s.seqtypid::pg_catalog.regtype, s.seqstart, s.seqincrement, s.seqmin, s.seqmax,
                           s.seqcache, s.seqcycle,
                           (SELECT t.relname || '.' || a.attname FROM pg_catalog.pg_depend dep
                            JOIN pg_catalog.pg_class t ON t.oid = dep.refobjid
                            JOIN pg_catalog.pg_attribute a ON a.attrelid = dep.refobjid AND a.attnum = dep.refobjsubid
                            WHERE dep.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND dep.objid = c.oid
                              AND dep.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
                              AND dep.deptype IN ('a', 'i'))),
         NULL, NULL
  FROM rel c JOIN pg_catalog.pg_sequence s ON s.seqrelid = c.oid
  UNION ALL
  SELECT 'constraint', co.conname || ' on ' || c.relname,
         pg_catalog.format('%s validated=%s deferrable=%s/%s', pg_catalog.pg_get_constraintdef(co.oid),
                           co.convalidated, co.condeferrable, co.condeferred), NULL, NULL
  FROM pg_catalog.pg_constraint co JOIN rel c ON c.oid = co.conrelid
  UNION ALL
  SELECT 'index', i.relname, pg_catalog.pg_get_indexdef(i.oid), NULL, NULL
  FROM rel i WHERE i.relkind = 'i'
  UNION ALL
  SELECT 'trigger', t.tgname || ' on ' || c.relname,
         pg_catalog.format('enabled=%s %s', t.tgenabled, pg_catalog.pg_get_triggerdef(t.oid)), NULL, NULL
  FROM pg_catalog.pg_trigger t JOIN rel c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal
  UNION ALL
  SELECT 'policy', po.polname || ' on ' || c.relname, pg_catalog.pg_get_expr(po.polqual, po.polrelid), NULL, NULL
  FROM pg_catalog.pg_policy po JOIN rel c ON c.oid = po.polrelid
  UNION ALL
  SELECT 'view', c.relname, pg_catalog.pg_get_viewdef(c.oid), NULL, NULL FROM rel c WHERE c.relkind IN ('v', 'm')
  UNION ALL
  -- The whole definition: language, volatility, strictness, SECURITY
  -- DEFINER, SET search_path, the body or the C symbol.
  SELECT 'function', p.proname || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')',
         CASE WHEN p.prokind = 'a' THEN
                (SELECT pg_catalog.format('aggregate sfunc=%s stype=%s', a.aggtransfn, a.aggtranstype::pg_catalog.regtype)
                 FROM pg_catalog.pg_aggregate a WHERE a.aggfnoid = p.oid)
              ELSE pg_catalog.pg_get_functiondef(p.oid) END,
         NULL, pg_catalog.format('owner=%s acl=%s', p.proowner::pg_catalog.regrole, p.proacl)
  FROM fn p
  UNION ALL
  SELECT 'type', t.typname, pg_catalog.format('kind=%s', t.typtype), NULL, NULL
  FROM pg_catalog.pg_type t, ns
  WHERE t.typnamespace = ns.oid AND t.typtype <> 'c' AND t.typelem = 0 AND t.typrelid = 0
  UNION ALL
  SELECT 'comment', pg_catalog.pg_describe_object(dsc.classoid, dsc.objoid, dsc.objsubid), dsc.description, NULL, NULL
  FROM pg_catalog.pg_description dsc
  WHERE (dsc.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND dsc.objoid IN (SELECT oid FROM rel))
     OR (dsc.classoid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND dsc.objoid IN (SELECT oid FROM fn))
  UNION ALL
  -- What pg_dump keeps: each configuration table and its filter.
  SELECT 'config_dump', cfg.tbl::pg_catalog.regclass::text, cfg.cond, NULL, NULL
  FROM ext, unnest(ext.extconfig, ext.extcondition) AS cfg(tbl, cond)  -- (multi-argument unnest cannot be qualified)
  UNION ALL
  SELECT 'member', pg_catalog.pg_describe_object(dep.classid, dep.objid, dep.objsubid), '', NULL, NULL
  FROM pg_catalog.pg_depend dep, ext
  WHERE dep.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass AND dep.refobjid = ext.oid
    AND dep.deptype = 'e'
  UNION ALL
  SELECT 'schema', n.nspname, '', NULL, pg_catalog.format('owner=%s acl=%s', n.nspowner::pg_catalog.regrole, n.nspacl)
  FROM pg_catalog.pg_namespace n, ns WHERE n.oid = ns.oid
) facts
ORDER BY kind, name, definition
