#include "pg/index_lookup.hpp"

extern "C" {
#include "access/genam.h"
#include "access/relscan.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/datum.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/uuid.h"
}

#include <cstring>

#include "pg/boundary.hpp"

namespace megaforce::pg {

namespace {

Oid relation_oid(Oid schema, const char* name) {
  Oid oid = get_relname_relid(name, schema);
  if (!OidIsValid(oid)) elog(ERROR, "megaforce: relation megaforce.%s does not exist", name);
  return oid;
}

// The privileges a SELECT of these columns by the key would need: SELECT on
// the table, or on the key column and each column read (as the executor
// checks a query's range table). SECURITY DEFINER callers act as their owner.
void check_select_privilege(Relation heap, Relation index, const char* const* names, int count) {
  Oid table = RelationGetRelid(heap);
  Oid user = GetUserId();
  if (pg_class_aclcheck(table, user, ACL_SELECT) == ACLCHECK_OK) return;
  bool allowed = pg_attribute_aclcheck(table, index->rd_index->indkey.values[0], user, ACL_SELECT) == ACLCHECK_OK;
  for (int i = 0; allowed && i < count; ++i) {
    AttrNumber column = SPI_fnumber(RelationGetDescr(heap), names[i]);
    allowed = column > 0 && pg_attribute_aclcheck(table, column, user, ACL_SELECT) == ACLCHECK_OK;
  }
  if (!allowed) aclcheck_error(ACLCHECK_NO_PRIV, OBJECT_TABLE, RelationGetRelationName(heap));
}

// The scan itself; holds no C++ objects, so an ereport may leave it at any
// point (the resource owner releases the snapshot, the pins and the relations).
bool scan_one(const IndexLookup& lookup, pg_uuid_t* key, const char* const* names, int count, Datum* values,
              bool* nulls, Visibility visibility) {
  Oid schema = get_namespace_oid("megaforce", false);
  Relation heap = table_open(relation_oid(schema, lookup.table), AccessShareLock);
  Relation index = index_open(relation_oid(schema, lookup.index), AccessShareLock);
  check_select_privilege(heap, index, names, count);
  CommandCounterIncrement();
  Snapshot snapshot = RegisterSnapshot(visibility == Visibility::kStatement ? GetTransactionSnapshot()
                                                                             : GetLatestSnapshot());

  ScanKeyData scan_key;
  ScanKeyInit(&scan_key, 1, BTEqualStrategyNumber, F_UUID_EQ, UUIDPGetDatum(key));
  IndexScanDesc scan = index_beginscan(heap, index, snapshot, 1, 0);
  index_rescan(scan, &scan_key, 1, nullptr, 0);
  TupleTableSlot* slot = table_slot_create(heap, nullptr);
  bool found = index_getnext_slot(scan, lookup.last ? BackwardScanDirection : ForwardScanDirection, slot);
  if (found) {
    TupleDesc desc = RelationGetDescr(heap);
    slot_getallattrs(slot);
    for (int i = 0; i < count; ++i) {
      int column = SPI_fnumber(desc, names[i]);
      if (column <= 0) elog(ERROR, "megaforce: no column \"%s\" in megaforce.%s", names[i], lookup.table);
      Form_pg_attribute attribute = TupleDescAttr(desc, column - 1);
      nulls[i] = slot->tts_isnull[column - 1];
      values[i] = nulls[i] ? Datum(0)
                           : datumCopy(slot->tts_values[column - 1], attribute->attbyval, attribute->attlen);
    }
  }
  ExecDropSingleTupleTableSlot(slot);
  index_endscan(scan);
  UnregisterSnapshot(snapshot);
  // Locks stay until the end of the transaction, as for any statement.
  index_close(index, NoLock);
  table_close(heap, NoLock);
  return found;
}

}  // namespace

bool lookup_row(const IndexLookup& lookup, const Uuid& key, const char* const* names, int count,
                Datum* values, bool* nulls, Visibility visibility) {
  pg_uuid_t key_value;
  std::memcpy(key_value.data, key.data(), key.size());
  return pg_call([&] { return scan_one(lookup, &key_value, names, count, values, nulls, visibility); });
}

}  // namespace megaforce::pg
