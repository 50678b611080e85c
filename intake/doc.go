// Package intake is the one way a record enters settle: decoding and
// validating an order or a cancellation, whatever carries it — the HTTP
// API (httpapi), a JSON Lines or CSV file (`settle import`), a cancellation
// a webhook is linked to, or `settle preview` — and saving it. All speak
// one record shape (DESIGN.md §3) and feed the same store; none loses,
// doubles, splits or silently alters a record.
//
// It imports settlement, transfer and store; httpapi, demo and cmd import it.
//
// # Records
//
// An order is PortOne's CreatePlatformOrderTransferBody plus paidAt (RFC
// 3339); a cancellation is CreatePlatformOrderCancelTransferBody plus
// cancelledAt, with partnerId and paymentId required. A JSON Lines record
// with a cancellationId is a cancellation; an optional "type" (ORDER or
// ORDER_CANCEL) must agree. settlementStartDate, when absent, is the
// business date of paidAt / cancelledAt in SETTLE_TZ and is written into
// the stored record, which is the body settle posts.
//
// # Invariants
//
//   - One decoder, one validator. JSON (HTTP, JSON Lines, preview) is decoded
//     by one strict decoder into PortOne's typed body; a CSV record builds
//     the same typed body from its rows. Every record then passes one
//     validator (Rules.order, Rules.cancel), with settlement's limits
//     (MaxAmount, MaxQuantity, MaxLines, MaxItems, MaxIDBytes, CheckID), and
//     the settlement engine (Intake.Check). The same record gets the same
//     verdict, naming the same field, from every entry; preview differs only
//     where marked (previewMode). An order that cannot name its type is
//     decoded in one strict pass; whatever that pass refuses is decoded
//     again the full way, so its error is the one the full way gives.
//   - Strict JSON: valid UTF-8, one value, no duplicate names (refused naming
//     the path), names matched case-sensitively, no unknown member inside
//     PortOne's nested objects. A record's own top-level unknown fields are
//     kept (DESIGN.md §3), up to MaxUnknownBytes; a known field spelt in
//     another case is refused.
//   - Ids — partner, payment, cancellation, contract, product, policy,
//     transfer — follow settlement.CheckID: no control character (NUL
//     included), no leading or trailing white space, at most MaxIDBytes.
//     Free text has no control character but tab and line breaks. So every
//     database stores a record alike, or refuses it alike before storing.
//   - Nothing stranded: a record dated outside the horizon (Rules.HorizonDays,
//     SETTLE_HORIZON: paidAt / cancelledAt more than that many days back or
//     after tomorrow, a settlement date more than that back or a year ahead)
//     is refused with the field; every accepted record is settled by the
//     pipeline, however old.
//   - Test or live: a record's isForTest must agree with PORTONE_TEST_MODE and
//     is never stored (the test query parameter of each PortOne call decides).
//   - Whole or nothing: a record is stored whole in one transaction or not at
//     all. A CSV file is read twice (spooled first when it cannot seek):
//     rows of one record that are not consecutive, a malformed row that
//     belongs or may belong to a record, or any bad row reject the record
//     whole, each bad row reported with its line; the corrected file then
//     imports cleanly.
//   - Every rejection is a *settlement.Error with PortOne's error type and
//     the field at fault (a JSON path, or the CSV column), reported as
//     `orders.csv line 17: quantity: must be 1..2147483647, got -2`, and kept
//     in the store's rejected records with its reason (text made storable,
//     at most 64 KiB of what was received).
//
// # Idempotency
//
// Orders are keyed by (partnerId, paymentId), cancellations by (partnerId,
// cancellationId). The same key with the same record is a no-op (the API
// answers 200 with the same body as the first 201); the same key with a
// different record is a conflict: the stored record stays, the new one is
// kept in rejected records, and the answer (409
// PLATFORM_TRANSFER_ALREADY_EXISTS, or a Problem in an import) names the
// differing fields. Importing a file again changes nothing. A record's
// stored form and the canonical form whose hash decides duplicate or
// conflict are both written once, from the typed body (storedform.go),
// byte for byte what encoding/json and the store's canonicaliser make.
//
// # Files
//
// Import reads .jsonl/.ndjson and .csv files (the README documents the CSV
// columns: one row per order line, consecutive rows of one record), a line
// capped at 1 MiB. JSON Lines stream one record at a time; a CSV file's
// first pass keeps a few words per record.
//
// # Preview
//
// Rules.Preview computes, without I/O, what PortOne would answer for an order
// and its cancels under a given contract and policies; the order and each
// cancel go through the same decoder and validator in preview mode: paidAt
// and cancelledAt are optional, a start PortOne would take from the time of
// the request is today in SETTLE_TZ (PreviewOutput.Notes says so), and the
// horizon and the isForTest check do not apply.
package intake
