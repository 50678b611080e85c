// Package transfer is settle's boundary with PortOne's platform API: the
// wire types, the client, the conversion between PortOne's shapes and the
// settlement vocabulary, and the one place where PortOne's answers are made
// right (Observe). It imports settlement only.
//
// # Files, by job
//
//   - wire.go, wire_terms.go, wire_transfer.go, wire_partner.go,
//     wire_payout.go, wire_json.go: the wire types, one resource a file. They
//     mirror reference/portone-platform-openapi.json and keep PortOne's names
//     (the emulator and intake speak them too); required arrays go out as []
//     and exactly one branch of each oneOf is set; answers keep the fields
//     this package does not know in Extra and send them back out.
//   - client.go (configuration, the secret, one call), retry.go (the retry
//     policy, pure), pagination.go (lists and iterators), client_*.go (the
//     operations, one resource a file), validate.go (what PortOne would
//     refuse, checked before anything is sent).
//   - convert.go: wire ↔ domain, requests and answers, bounded by
//     settlement's limits. observe.go: Observe. differ.go: Differs.
//     convert_payout.go: partner settlements and payouts
//     (ObservePartnerSettlement, ObservePayout), partners' tax profiles and
//     the setting's payout part.
//   - errors.go: PortOne's error answers, decoded into *APIError with typed
//     details; NewAPIError and (*APIError).MarshalJSON are the same answers
//     in their wire form, which the emulator and the HTTP API send.
//
// # The client's surface
//
// Every method is there for a caller and is driven against the emulator
// over loopback in surface_test.go, which fails for a method without a step:
//
//   - the nightly pipeline (jobs): CreateOrderTransfer,
//     CreateOrderCancelTransfer, GetTransfer, Transfers, Partners, Contracts,
//     DiscountSharePolicies, AdditionalFeePolicies, GetSetting;
//   - corrections of posted transfers (issue #13): CreateManualTransfer,
//     DeleteTransfer;
//   - partner settlements and payouts (issue #15): PartnerSettlements,
//     Payouts;
//   - `settle calibrate` setting up its probes in test mode and cleaning up
//     after them (issue #16): CreateContract, GetContract, UpdateContract,
//     ArchiveContract; the same four for discount-share policies and for
//     additional-fee policies; CreatePartner, GetPartner, UpdatePartner,
//     ArchivePartner; UpdateSetting.
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
// # Test and live
//
// Every call carries test=true or test=false (Config.TestMode), on every
// operation: without the query parameter PortOne lets a body's isForTest
// decide (release note 2025-10-02), and a live client would post a record
// flagged for test into the test environment.
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
// # Lists
//
// The iterators ask for pages of DefaultPageSize and go on until an empty
// page: PortOne's page.totalCount is the count on the page, and a server
// that caps the page size answers full pages shorter than asked.
//
// # What PortOne holds, made right once
//
//   - Terms: ContractFromWire, DiscountSharePolicyFromWire and
//     AdditionalFeePolicyFromWire refuse a value outside settlement's limits
//     (a fixed fee outside 0..settlement.MaxAmount, a rate outside
//     0..settlement.RateScale, an unknown fee type, VAT payer or weekday, a
//     cycle settlement.Cycle.Validate refuses) with a *settlement.Error
//     naming the field and the contract or policy; the *FromInput functions
//     apply the same bounds to requests.
//   - Transfers: Observe maps an answer to the settlement shape of our own
//     transfers with a cancel's sign normalised once, and trims its JSON: the
//     partner, contract and policy snapshots reduced to id and name, the
//     amount blocks left to the settlement shape (but for members this
//     package does not know), no member naming an account at any depth.
//     ObserveCreated does the same for a create's answer from the bytes
//     PortOne sent (CreateResult.Raw), without encoding it again.
//   - Partner settlements and payouts: ObservePartnerSettlement and
//     ObservePayout do the same for them (an ORDER_CANCEL settlement
//     positive; a payout's bank account never kept).
//
// # Errors and secrets
//
// Every non-2xx answer becomes an *APIError; errors.Is matches PortOne's
// error type (settlement.ErrorType) and errors.As finds the typed detail of
// the types that carry fields. Bodies that cannot be sent are refused
// before sending with a *settlement.Error INVALID_REQUEST naming the field.
// The API secret (type Secret) prints and marshals as [REDACTED], is added
// to requests only inside the transport, and is scrubbed from error bodies.
// Account numbers in partner and payout types print masked.
package transfer
