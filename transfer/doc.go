// Package transfer is settle's client of PortOne's platform API and the
// mapping between PortOne's JSON shapes and the settlement vocabulary.
//
// It imports settlement only. Wire types mirror
// reference/portone-platform-openapi.json; required arrays are sent as []
// and exactly one branch of each oneOf is set.
//
// # Idempotency contract
//
// Every transfer create (CreateOrderTransfer, CreateOrderCancelTransfer,
// CreateManualTransfer) carries a client-chosen transfer id; an empty id is
// refused before anything is sent. The caller persists the id before the
// first call and reuses it on every retry and every re-run. The request body
// is encoded once and the identical bytes go out on every attempt.
//
// PortOne guards duplicates with 409 PLATFORM_TRANSFER_ID_ALREADY_USED (the
// id exists) and 409 PLATFORM_TRANSFER_ALREADY_EXISTS (an ORDER transfer
// for the same payment and partner exists; its id is in the body). Both mean
// "fetch and reconcile", not "fail": the client GETs the existing transfer
// and returns it with CreateResult.Adopted set. If that transfer differs
// from the body we meant to post (Differs: type, partner, payment,
// cancellation, contract, dates, order amount or lines, discounts, fees) the
// call returns the adopted result together with a *ConflictError naming the
// fields: an id reused for another payload is a bug upstream. With the
// platform setting supportsMultipleOrderTransfersPerPartner on, the id is
// the only guard.
//
// # Retry policy
//
// Each call makes at most Config.MaxAttempts attempts (default 5), each
// under its own timeout (Config.AttemptTimeout, default 60s). It retries
// network errors and attempt timeouts, 429, 5xx other than 501, and 409
// IDEMPOTENCY_OUTSTANDING_REQUEST; never any other 4xx. The wait before
// attempt n+1 is drawn uniformly from [0, min(MinBackoff·2^(n-1),
// MaxBackoff)] (full jitter), unless the server sent Retry-After (seconds or
// an HTTP-date), which is honoured as given. Waits use a timer and select on
// the context, so a cancelled context ends them at once. Every response
// body is read to the end and closed.
//
// # Errors and secrets
//
// Every non-2xx answer becomes an *APIError; errors.Is matches PortOne's
// error type (settlement.ErrorType is settlement.ErrorType) and errors.As
// finds the typed detail of the types that carry fields. NewAPIError maps a
// rejection of the settlement rules to PortOne's error, which marshals as
// PortOne's error body.
// The API secret (type Secret) prints and marshals as [REDACTED], is added
// to requests only inside the transport, and is scrubbed from error bodies.
package transfer
