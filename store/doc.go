// Package store is settle's durable state: everything it knows survives a
// crash, a power loss, a rerun and an upgrade, and a second copy of the same
// input changes nothing. It runs on SQLite (the embedded default: WAL with
// synchronous=FULL, so a commit is on disk before it returns; a busy
// timeout, foreign keys on — off only inside a settle batch's
// transaction, whose own checks stand in for them (settleTx) — one writer
// connection and a separate pool of readers) and on PostgreSQL (SETTLE_DB=postgres://…, durable as the server
// is configured) for several `settle serve` instances on one database.
//
// store may import settlement (its vocabulary) and nothing else of ours:
// PortOne's JSON is kept as bytes. GORM stays inside this package; callers
// see settlement types and the record and read-model types declared here.
//
// # Invariants
//
//   - Unique keys define idempotency. An order is keyed by (partner,
//     payment), a cancellation by (partner, cancellation id), a settlement
//     and its transfer intent by (partner, payment, kind, cancellation id,
//     "" for orders), a webhook by its webhook-id, a job run by (job,
//     business date). Saving a record whose key exists with the same payload
//     (compared by hash of its canonical form: JSON keys sorted, whitespace
//     dropped) is a Duplicate no-op. Orders, cancellations, settlements and
//     intents are all saved by one batch write (saveIdempotent).
//   - Nothing is overwritten on conflict. The same key with a different
//     payload is a Conflict: the stored record stays as it was, the call
//     returns a *ConflictError naming the fields that differ, and an input
//     record (order, cancellation) is kept in rejected records with that
//     reason. Nothing accepted is lost.
//   - Money is integer won in INTEGER/BIGINT columns; rates are integer
//     milli-percent; instants are fixed-width UTC text (SQLite) or
//     timestamptz. No column can hold a float (TestNoFloatColumns).
//   - Amount blocks have one column per field of settlement.Amounts, named
//     a_<field>; reads and writes walk settlement.AmountFields, and
//     TestSchemaHasEveryAmountField demands a migration for a new field.
//   - PortOne's answer is kept in the shape of our own transfer: the tables
//     portone_transfers and portone_transfer_lines have the columns of
//     settlements and settlement_lines, one loader reads both into a
//     settlement.Transfer, and a cancel is positive in both (transfer.Observe
//     makes it so before it is stored; migration 4 flipped the ones stored
//     negated before). Every reader, SQL read models included, sees one sign.
//   - Nothing accepted is stranded: an order or cancellation is settled
//     (flag set in the settlement's transaction) or listed by WaitingRecords
//     with the reason it waits. A settle run of d takes the unsettled
//     records of d and every earlier date through a partial index of the
//     unsettled, never the whole tables.
//   - A transfer intent's client id, IntentID(partner, payment, kind,
//     cancellation, generation), is deterministic and stored with the
//     request and its hash before the first POST; every retry and rerun
//     posts the same id and body. The generation counts the record's
//     transfers deleted at PortOne (voided_records.deleted_transfer_id,
//     migration 13) and is 0 for nearly every record: PortOne never reuses
//     a client id, so a record posted again corrected needs the next one.
//   - Work is shared by leases. ClaimIntents hands out disjoint batches
//     (FOR UPDATE SKIP LOCKED on PostgreSQL, the single writer on SQLite);
//     an expired lease is claimable again. AcquireRun lets one instance run
//     a job for a date; a dead owner's run is taken over at its checkpoint.
//   - Writes are set-based. A batch of records (an import batch, a settle
//     page) is one transaction: its keys are looked up a few hundred per
//     query, its rows written by prepared multi-row INSERTs (bulkInsert),
//     never a statement per record. A record is one row: an order's or a
//     cancellation's lines, discounts and fees are in its detail column
//     (detail.go, migration 7), beside the record's JSON as received.
//     Paged walks resume at the last row's key through an index in the
//     walk's order: no page sorts or rereads what came before it.
//   - Partner settlements and payouts (payouts.go, migration 9) are kept
//     as PortOne reports them: each distinct state once in a history keyed
//     by (PortOne id, state hash) through saveIdempotent, the latest state
//     of each beside it; the payouts job's checks of a payout date are
//     replaced as a whole each run.
//   - An operator's recovery changes state only forward and keeps history.
//     ResetIntents makes failed or conflicting intents pending again with
//     their id and request unchanged (each once, however many instances
//     retry). VoidRecord withdraws a record PortOne does not hold, with its
//     settlement and unposted intent, in one transaction, and keeps it in
//     voided_records with who and why (migration 11). A posted record is
//     voided only once its transfer is deleted at PortOne (VoidDeleted,
//     after CheckVoid ran the same checks), naming the deleted transfer;
//     otherwise it is refused (*PostedError).
//   - The schema changes only through numbered migrations (schema_migrations),
//     each applied in one transaction; a database written by an earlier
//     version upgrades in place when opened (testdata/store/v1.db).
//
// Read models (PartnerDayTotals, SettlementRows, OrderLineRows, Mismatches,
// RejectedRecords, StatusHistory, WaitingRecords) stream rows to a callback
// and never load a table; walks that feed the pipeline (OrdersByBusinessDate, …) load a page
// at a time. Errors: ErrNotFound, ErrDuplicate, ErrConflict, ErrLeaseLost,
// ErrInvalid and ErrSchemaTooNew for branching, wrapped by typed errors that
// name the record and field.
package store
