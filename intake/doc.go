// Package ingest brings orders and cancellations into settle: the HTTP API
// marketplace backends post to, `settle import` of JSON Lines and CSV
// files, and PortOne's payment webhooks. All three speak one record shape
// (DESIGN.md §3) and feed the same store; none loses, doubles or silently
// alters a record.
//
// It sits at the jobs level: it imports settlement, transfer and store, and
// only cmd imports it.
//
// # Records
//
// An order is PortOne's CreatePlatformOrderTransferBody plus paidAt (RFC
// 3339); a cancellation is CreatePlatformOrderCancelTransferBody plus
// cancelledAt, with partnerId and paymentId required. A JSON Lines record
// with a cancellationId is a cancellation; an optional "type" (ORDER or
// ORDER_CANCEL) must agree. Unknown fields are kept. settlementStartDate,
// when absent, is the business date of paidAt / cancelledAt in SETTLE_TZ
// and is written into the stored record. The stored form (Record.JSON) has
// sorted keys and the required arrays as [], so the same order sent twice in
// different spellings is the same record.
//
// Before a record is accepted it passes the structural rules (required ids,
// signs, sizes, unique products, dates in order) and the settlement engine:
// an order is settled with neutral terms (or the merchant's, with a
// TermsFunc), a cancellation is replayed on its order's settlement.Book when
// the order is stored. Every rejection is a *settlement.Error with PortOne's
// error type and the field at fault (a JSON path, or the CSV column), and is
// kept in the store's rejected records with its reason.
//
// # Idempotency
//
// Orders are keyed by (partnerId, paymentId), cancellations by (partnerId,
// cancellationId). The same key with the same record is a no-op (the API
// answers 200 with the same body as the first 201); the same key with a
// different record is a conflict: the stored record stays, the new one is
// kept in rejected records, and the answer (409
// PLATFORM_TRANSFER_ALREADY_EXISTS, or a Problem in an import) names the
// differing fields. Importing a file again changes nothing.
//
// # Files
//
// Import streams .jsonl/.ndjson and .csv files (the README documents the
// CSV columns: one row per order line, consecutive rows of one record),
// never holding more than one record, and caps a line at 1 MiB. Every bad
// record is reported as `orders.csv line 17: quantity: must be > 0, got -2`.
//
// # HTTP
//
// NewServer builds the API (see its comment for the routes) and
// NewHTTPServer an *http.Server with every timeout set. /v1/* requires the
// SETTLE_API_TOKEN bearer token, compared in constant time; bodies are
// capped (1 MiB, 413 naming the limit); errors answer {type, message,
// field}. Each request is logged once at the end with slog (method, path,
// status, duration, record key); tokens, secrets and bodies never are.
//
// # Webhooks
//
// POST /webhooks/portone verifies Standard Webhooks signatures (webhook-id,
// webhook-timestamp within ±5 minutes, v1 HMAC-SHA256 signatures under one
// of at most two whsec_ secrets, compared in constant time), rejects a
// webhook-id it has seen, and records the event. Transaction.Cancelled and
// Transaction.PartialCancelled are linked to the cancellations with the same
// (paymentId, cancellationId), or stay pending until such a cancellation is
// registered; Transaction.Paid is recorded; other types are acknowledged
// and ignored.
package intake
