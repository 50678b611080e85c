// Package emulator is a stateful emulator of PortOne's platform API
// (파트너 정산 자동화, `/platform/*`) for tests and for `settle emulator`.
//
// A Server is an http.Handler. Tests start one on loopback with
// NewTestServer and point the real transfer.Client at its URL; `settle
// emulator --addr` serves one with Run.
//
// # What it emulates
//
//   - Partners (create, batch create, get, list, update, archive, recover),
//     contracts, discount-share policies and additional-fee policies
//     (create, get, list, update, archive, recover) and the platform setting
//     (get, update). List operations read their JSON from the `requestBody`
//     query parameter (as PortOne's SDKs send it) or from the GET body, and
//     page with {number, size}; totalCount is the number of matching
//     objects.
//   - Transfers: create ORDER, ORDER_CANCEL and MANUAL; get; delete; list
//     summaries with PlatformTransferFilterInput (date ranges, types,
//     statuses, partner tags, contract and policy ids, keyword, plus a
//     non-schema partnerIds).
//   - Amounts and settlement dates come from the settlement package
//     (settlement.NewBook for an order, (*settlement.Book).Cancel for each
//     cancel: one Book per ORDER transfer, so cancellable limits are the
//     engine's), with the partner's default contract or contractId, the
//     referenced policies, Options.Rounding, Options.Calendar and the
//     setting adjustSettlementDateAfterHolidayIfEarlier.
//   - PortOne's rules and error bodies: client ids are unique per
//     environment and stay used after a delete (409
//     PLATFORM_TRANSFER_ID_ALREADY_USED); one ORDER transfer per (paymentId,
//     partnerId) unless supportsMultipleOrderTransfersPerPartner (409
//     PLATFORM_TRANSFER_ALREADY_EXISTS with transferId); a cancel must name
//     transferId when the payment has several ORDER transfers (400
//     PLATFORM_CANNOT_SPECIFY_TRANSFER); unknown objects give their 404
//     types; deletes only in deletable statuses and not of an ORDER with
//     cancels; malformed JSON gives 400 INVALID_REQUEST; settlement
//     rejections are rendered with transfer.NewAPIError.
//   - Test and live are separate environments: the query parameter `test`
//     wins, else the body's (or filter's) `isForTest`, else live.
//   - Statuses follow Options.Now, computed on every read: SCHEDULED before
//     settlementStartDate, IN_PROCESS from it, SETTLED on and after
//     settlementDate (MANUAL: IN_PROCESS, then SETTLED). ForceStatus pins
//     any other status.
//   - Responses carry every field the schema requires (arrays as [], maps
//     as {}), full partner, contract and payment objects, and synthetic
//     graphqlIds. The emulator has no PortOne payments: a PORT_ONE payment
//     is synthesized (storeId, channelKey, paidAt = now), and a cancel of
//     one is cancelled "now".
//
// # What it does not emulate
//
// Payouts, bulk payouts, partner settlements (their list operations answer
// empty lists), tax invoices and counterparty (NTS) connection, account
// holder and company lookups, scheduled updates (`/schedule`), the CSV
// sheet, custom formulas and settlement parameters, user-defined property
// definitions, the caps against the PortOne payment's amounts, Bearer
// tokens and the `Idempotency-Key` header.
//
// # Faults
//
// Faults are decided before a request is handled, as a network or a load
// balancer would. A request gets at most one fault, from the scripted
// queue (Script: the next n requests matching a method and path) or, if
// none is queued for it, drawn at random (FaultConfig rates) from a PCG
// generator seeded with Options.Seed and owned by the Server:
//
//   - 5xx: answered before handling; nothing is committed.
//   - 429: answered with `Retry-After` (whole seconds) before handling.
//   - latency: the request waits on a timer (or until the client gives up)
//     before it is handled; FaultConfig.Latency delays every request.
//   - drop (commit-then-drop): the request is handled and committed, then
//     the connection is closed without a response. The client cannot tell
//     this from a lost request; only its transfer id makes the retry safe.
//   - reset: the connection is reset (RST) before handling.
//
// # Test hooks
//
// Every request is recorded without its Authorization header (Requests).
// Tamper rewrites chosen transfers in responses without touching state,
// Inject adds a transfer nobody posted, Transfers and Remaining read the
// true state, and a Clock moves time.
package emulator
