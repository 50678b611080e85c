// Package httpapi is the HTTP API of `settle serve`: the write side
// (orders, cancellations, PortOne's webhooks) and the read side (orders,
// settlements, runs). Records go through intake, the one way in; reads come
// from the store's read models.
//
// It imports settlement, transfer, store, intake and jobs; only cmd imports it.
//
// NewServer builds the API (see its comment for the routes) and
// NewHTTPServer an *http.Server with every timeout set. Ops puts the
// operations endpoints in front of it: /readyz (503 naming each check that
// needs a person: database, last run, PortOne) and /metrics (Prometheus
// text format through github.com/prometheus/client_golang, the one
// third-party module here: its registry, exposition and text format are
// what every scraper reads, and writing them by hand would drift).
//
// # Invariants
//
//   - /v1/* requires the SETTLE_API_TOKEN bearer token, compared in constant
//     time; errors answer {type, message, field} with PortOne's type names.
//   - A record answers 201 when stored, 200 with the same body when the same
//     record comes again, 409 PLATFORM_TRANSFER_ALREADY_EXISTS naming the
//     differing fields when its key is stored with other content, and 4xx
//     naming the field when intake refuses it — the verdict every other
//     entry (a file, preview) gives the same record.
//   - Bounded under abuse: a declared Content-Length over MaxBodyBytes (1
//     MiB) is answered 413 before any of the body is read; a body that turns
//     out longer is cut at the limit (413). At most MaxInFlight requests (8)
//     are worked on at once; one more waits up to InFlightWait (2 s) for a
//     place and is then answered 503 with Retry-After: 1, its body unread.
//     With intake's cap on kept unknown fields this bounds the memory the
//     API can be made to hold, whatever the number of clients; /healthz is
//     never held back.
//   - Each request is logged once at the end with slog (method, path, status,
//     duration, record key); tokens, secrets and bodies never are.
//
// # Webhooks
//
// POST /webhooks/portone verifies Standard Webhooks signatures (webhook-id,
// webhook-timestamp within ±5 minutes, v1 HMAC-SHA256 signatures under one
// of at most two whsec_ secrets, compared in constant time), rejects a
// webhook-id it has seen, and records the event. The body is strict JSON
// (intake.DecodeJSON) and every id it names — the webhook-id, paymentId,
// cancellationId — follows settlement.CheckID, on every database alike: a
// signature proves who sent a body, not that its ids are usable keys.
// Transaction.Cancelled and Transaction.PartialCancelled are linked to the
// cancellations with the same (paymentId, cancellationId), or stay pending
// until such a cancellation is registered; Transaction.Paid is recorded;
// other types are acknowledged and ignored.
package httpapi
