// Package emulator is a stateful emulator of PortOne's platform API
// (파트너 정산 자동화, `/platform/*`). It is a product package, not test
// support:
//
//   - `settle emulator` serves one on an address (Run) for operators and
//     integrators: a rehearsal of a night against PortOne's rules, with
//     latency and seeded faults from the command line (--latency,
//     --faults, ParseFaults), and scale runs of a million transfers;
//   - `settle demo` runs the whole pipeline against one in-process;
//   - every test that posts to PortOne posts to one: the real
//     transfer.Client over loopback (NewTestServer), with scripted and
//     random faults, a settable Clock and the hooks below.
//
// A Server is an http.Handler.
//
// # What it emulates
//
//   - Partners (create, batch create, get, list, update, archive, recover),
//     contracts, discount-share policies and additional-fee policies
//     (create, get, list, update, archive, recover) and the platform setting
//     (get, update). List operations read their JSON from the `requestBody`
//     query parameter (as PortOne's SDKs send it) or from the GET body, and
//     page with {number, size}; totalCount is the number of matching
//     objects (PortOne's schema describes it as the number on the page:
//     clients page until an empty page, which the emulator answers past
//     the end).
//   - Transfers: create ORDER, ORDER_CANCEL and MANUAL; get; delete; list
//     summaries with PlatformTransferFilterInput (date ranges, types,
//     statuses, partner tags, contract and policy ids, keyword, plus a
//     non-schema partnerIds).
//   - Amounts and settlement dates come from the settlement package
//     (settlement.NewBook for an order, (*settlement.Book).Cancel for each
//     cancel: cancellable limits are the engine's), with the partner's
//     default contract or contractId, the referenced policies,
//     Options.Rules (the merchant's formulas and variants; `settle emulator
//     --rules`) or Options.Rounding, Options.Calendar and the setting
//     adjustSettlementDateAfterHolidayIfEarlier, as they were when the
//     order was created.
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
//     graphqlIds. A transfer embeds the partner as it is now and the
//     contract and policies as they were when it was created. The emulator
//     has no PortOne payments: a PORT_ONE payment is synthesized (storeId,
//     channelKey, paidAt = now), and a cancel of one is cancelled "now".
//   - Partner settlements and payouts (payouts.go; issue #15): built on
//     every read from the transfers of the settlement dates asked about,
//     grouped by settlement.SettlementBook and paid per partner, currency
//     and settlement date with settlement.PayoutOf; statuses follow the
//     clock (PAYOUT_PREPARED, PAYOUT_SCHEDULED from the date, IN_PAYOUT from
//     10:00, PAID_OUT the next day); ControlPayout withholds, excludes,
//     fails or never makes (UNSCHEDULED) one (settle emulator --payout-*),
//     TamperPayouts rewrites payouts in answers. Nothing is kept
//     per transfer; Options.MaxPageSize caps their pages.
//
// # What it does not emulate
//
// Bulk payouts as objects, deleting partner settlements, complete-payout,
// tax invoices and counterparty (NTS) connection, account
// holder and company lookups, scheduled updates (`/schedule`), the CSV
// sheet, custom formulas and settlement parameters, user-defined property
// definitions, the caps against the PortOne payment's amounts, Bearer
// tokens and the `Idempotency-Key` header.
//
// # Scale
//
// The emulator holds a night of a million orders: every lookup is served by
// an index (index.go) and every transfer is kept compact.
//
//   - A create costs the same at any number of transfers: ids, (payment,
//     partner) and a payment's ORDER transfers are map lookups.
//   - A page of a list costs the page plus the dates of its range: a
//     settlementStartDateRange or settlementDateRange is served from an
//     index by that date whose buckets group transfers of the same other
//     date and kind, so types and statuses (which follow from the two dates
//     and the clock) take or skip whole groups. Such a list is ordered by
//     that date, then the other date, then kind, then creation (forced and
//     injected transfers after the others of their dates and kind); a list
//     without a date range is in creation order. Other filters (partners,
//     contracts, policies, keywords) look at each transfer of the range (or
//     of all, without one) and render those their ids do not exclude.
//     While a Tamper is registered, every list renders every transfer.
//   - A transfer keeps its ids, its packed dates, a pointer to the snapshot
//     of contract, policies and terms it was created with (shared by every
//     transfer created between two changes of them) and its request in a
//     compact string (codec.go): ~400 bytes of heap for an order of three
//     lines. Amounts are recomputed and the response rendered on every read;
//     a cancel keeps its computed amounts, which depend on the cancels
//     accepted before it, and an order's book is rebuilt from the order and
//     its cancels when a cancel arrives.
//   - Requests keeps the most recent Options.RequestLog requests
//     (DefaultRequestLog by default, none when negative: `settle emulator`
//     records none).
//
// TestScale measures it (go test ./emulator -run '^TestScale$' -scale
// 10000,100000,1000000); TestCostIsFlatInN guards it in every run.
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
// Requests are recorded without their Authorization header (Requests).
// Tamper rewrites chosen transfers in responses without touching state,
// Inject adds a transfer nobody posted, ForceStatus pins a status,
// Transfers and Remaining read the true state, and a Clock moves time.
package emulator
