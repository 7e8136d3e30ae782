-- The catalog of the megaforce extension as sorted lines, one per fact: what
-- "the same schema" means in the upgrade tests (SPEC §8). Names only, never
-- OIDs, so two databases compare line by line. Dropped columns are left out
-- (a downgrade that drops a column leaves a dropped slot in the catalog).
WITH ns AS (SELECT 'megaforce'::regnamespace AS oid),
ext AS (SELECT e.oid, e.extconfig, e.extcondition FROM pg_extension e WHERE e.extname = 'megaforce'),
rel AS (SELECT c.* FROM pg_class c, ns WHERE c.relnamespace = ns.oid),
fn AS (SELECT p.* FROM pg_proc p, ns WHERE p.pronamespace = ns.oid)
SELECT line FROM (
  SELECT format('relation %s kind=%s persistence=%s owner=%s options=%s acl=%s rls=%s/%s replident=%s',
                c.relname, c.relkind, c.relpersistence, c.relowner::regrole, c.reloptions, c.relacl,
                c.relrowsecurity, c.relforcerowsecurity, c.relreplident)
  FROM rel c WHERE c.relkind IN ('r', 'p', 'S', 'v', 'm', 'i', 'f', 'c')
  UNION ALL
  SELECT format('column %s.%s position=%s type=%s notnull=%s default=%s identity=%s generated=%s collation=%s acl=%s storage=%s',
                c.relname, a.attname,
                rank() OVER (PARTITION BY c.oid ORDER BY a.attnum),
                format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, d.adrelid),
                a.attidentity, a.attgenerated, a.attcollation::regcollation, a.attacl, a.attstorage)
  FROM rel c JOIN pg_attribute a ON a.attrelid = c.oid
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
  WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'c')
  UNION ALL
  SELECT format('sequence %s type=%s start=%s increment=%s min=%s max=%s cache=%s cycle=%s owned_by=%s',
                c.relname, s.seqtypid::regtype, s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache,
                s.seqcycle,
                (SELECT format('%s.%s', t.relname, a.attname) FROM pg_depend dep
                 JOIN pg_class t ON t.oid = dep.refobjid
                 JOIN pg_attribute a ON a.attrelid = dep.refobjid AND a.attnum = dep.refobjsubid
                 WHERE dep.classid = 'pg_class'::regclass AND dep.objid = c.oid
                   AND dep.refclassid = 'pg_class'::regclass AND dep.deptype IN ('a', 'i')))
  FROM rel c JOIN pg_sequence s ON s.seqrelid = c.oid
  UNION ALL
  SELECT format('constraint %s on %s: %s validated=%s deferrable=%s/%s', co.conname, c.relname,
                pg_get_constraintdef(co.oid), co.convalidated, co.condeferrable, co.condeferred)
  FROM pg_constraint co JOIN rel c ON c.oid = co.conrelid
  UNION ALL
  SELECT format('index %s: %s', i.relname, pg_get_indexdef(i.oid))
  FROM rel i WHERE i.relkind = 'i'
  UNION ALL
  SELECT format('trigger %s on %s enabled=%s: %s', t.tgname, c.relname, t.tgenabled, pg_get_triggerdef(t.oid))
  FROM pg_trigger t JOIN rel c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal
  UNION ALL
  SELECT format('policy %s on %s: %s', po.polname, c.relname, pg_get_expr(po.polqual, po.polrelid))
  FROM pg_policy po JOIN rel c ON c.oid = po.polrelid
  UNION ALL
  SELECT format('view %s: %s', c.relname, pg_get_viewdef(c.oid)) FROM rel c WHERE c.relkind IN ('v', 'm')
  UNION ALL
  -- Functions: the whole definition (language, volatility, strictness,
  -- SECURITY DEFINER, SET search_path, body or C symbol) and the grants.
  SELECT format('function %s(%s) owner=%s acl=%s: %s', p.proname, pg_get_function_identity_arguments(p.oid),
                p.proowner::regrole, p.proacl,
                CASE WHEN p.prokind = 'a' THEN
                       (SELECT format('aggregate sfunc=%s stype=%s', a.aggtransfn, a.aggtranstype::regtype)
                        FROM pg_aggregate a WHERE a.aggfnoid = p.oid)
                     ELSE pg_get_functiondef(p.oid) END)
  FROM fn p
  UNION ALL
  SELECT format('type %s kind=%s', t.typname, t.typtype) FROM pg_type t, ns
  WHERE t.typnamespace = ns.oid AND t.typtype NOT IN ('c') AND t.typelem = 0 AND t.typrelid = 0
  UNION ALL
  SELECT format('comment on %s: %s', pg_describe_object(dsc.classoid, dsc.objoid, dsc.objsubid), dsc.description)
  FROM pg_description dsc
  WHERE (dsc.classoid = 'pg_class'::regclass AND dsc.objoid IN (SELECT oid FROM rel))
     OR (dsc.classoid = 'pg_proc'::regclass AND dsc.objoid IN (SELECT oid FROM fn))
  UNION ALL
  -- What pg_dump keeps: each configuration table and its filter.
  SELECT format('config_dump %s %s', cfg.tbl::regclass, cfg.cond)
  FROM ext, unnest(ext.extconfig, ext.extcondition) AS cfg(tbl, cond)
  UNION ALL
  SELECT format('member %s', pg_describe_object(dep.classid, dep.objid, dep.objsubid))
  FROM pg_depend dep, ext
  WHERE dep.refclassid = 'pg_extension'::regclass AND dep.refobjid = ext.oid AND dep.deptype = 'e'
  UNION ALL
  SELECT format('schema %s owner=%s acl=%s', n.nspname, n.nspowner::regrole, n.nspacl)
  FROM pg_namespace n, ns WHERE n.oid = ns.oid
) facts(line)
ORDER BY line;
