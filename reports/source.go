package reports

import (
	"context"
	"time"

	"github.com/settle-dev/settle/settlement"
)

// Source is what WriteWorkbook and WriteCSV read: the read models of one
// export, each delivered row by row through yield so that no writer ever
// holds a whole table. A yield that returns an error must stop the
// iteration, and the method must return that error unchanged. Every method
// is called at most once per WriteWorkbook or WriteCSV call.
//
// Money in every row is in PortOne's sign convention: an ORDER_CANCEL row
// carries the positive magnitudes taken back, exactly as PortOne shows them;
// the Summary and the totals net them (orders − cancellations).
type Source interface {
	// Run describes the export: its business dates, when it was made and
	// the merchant's rules.
	Run() RunInfo
	// Summary yields one row per partner and settlement date, net of
	// cancellations, as the store totals them (independently of the
	// detail, which the workbook checks against it), sorted by partner
	// then settlement date. The workbook holds these rows (their number
	// grows with partners × dates, not with orders).
	Summary(ctx context.Context, yield func(*SummaryRow) error) error
	// Transfers yields every ORDER and ORDER_CANCEL transfer with its
	// order lines, sorted by partner, settlement date and then the order
	// they were settled in (orders and their cancellations interleaved).
	// The row and its Lines may be reused after yield returns.
	Transfers(ctx context.Context, yield func(*TransferRow) error) error
	// Mismatches yields the differences between our numbers and PortOne's,
	// and only those (no rejected records, no transfers we never sent).
	Mismatches(ctx context.Context, yield func(*MismatchRow) error) error
	// Problems yields what needs a person: rejected records, transfers that
	// failed or are stuck, records not settled.
	Problems(ctx context.Context, yield func(*ProblemRow) error) error
	// History yields the status history of the transfers, one row per
	// status seen, sorted by partner, settlement date and time.
	History(ctx context.Context, yield func(*HistoryRow) error) error
}

// RunInfo describes one export for the front sheet.
type RunInfo struct {
	From, To    settlement.Date // business dates covered, inclusive
	GeneratedAt time.Time       // when the data was read; shown in Options.Loc
	// Rules are the versions of the merchant's settlement rules that
	// computed the range's transfers, for the Contracts sheet; empty means
	// PortOne's default formulas.
	Rules []RulesApplied
}

// RulesApplied is one version of the merchant's rules (settlement.Rules)
// and the transfers it computed.
type RulesApplied struct {
	Version   string // settlement.Rules Version, "" for settlements older than recorded rules
	Transfers int
	// Lines describe the formulas, roundings and variants, one line each
	// (settlement.Rules Text); empty when the rules file is not kept.
	Lines []string
}

// SummaryRow is one partner's settlement on one settlement date, net of
// cancellations (orders − cancellations, field by field). PortOne's
// settlement of the same transfers comes from the Transfers rows.
type SummaryRow struct {
	PartnerID      settlement.PartnerID
	PartnerName    string
	SettlementDate settlement.Date
	Orders         int // ORDER transfers
	Cancellations  int // ORDER_CANCEL transfers
	Amounts        settlement.Amounts
	// LongestID is the length in characters of the longest payment or
	// cancellation id of the row's transfers, so that ids show in full.
	LongestID int
}

// Terms are the contract version and the policies one transfer was settled
// with: the "why" of its amounts and dates. A Source shares one *Terms
// between the transfers settled alike, and the workbook renders each once.
type Terms struct {
	ContractID      string
	ContractVersion int
	Contract        settlement.Contract
	// AppliedAt is PortOne's appliedAt of the version, as sent.
	AppliedAt string
	// Policies are the discount-share and additional-fee policies the
	// transfer names, by id.
	Policies []PolicyTerms
}

// PolicyTerms is one version of a discount-share or an additional-fee
// policy. Exactly one of Share and Fee is set.
type PolicyTerms struct {
	ID      string
	Version int
	Share   *settlement.DiscountSharePolicy
	Fee     *settlement.AdditionalFeePolicy
}

// Name is the policy's name.
func (p *PolicyTerms) Name() string {
	if p.Share != nil {
		return p.Share.Name
	}
	if p.Fee != nil {
		return p.Fee.Name
	}
	return ""
}

// Posting is where a transfer stands on our side, before PortOne's status
// takes over.
type Posting string

// The posting states a TransferRow may carry.
const (
	PostingNone     Posting = ""         // not yet posted (no intent, or a dry run)
	PostingPending  Posting = "pending"  // waiting to be posted
	PostingSent     Posting = "sent"     // posted or adopted: PortOne's Status applies
	PostingFailed   Posting = "failed"   // posting gave up: `settle retry`
	PostingConflict Posting = "conflict" // PortOne holds a different transfer under our id
)

// TransferRow is one ORDER or ORDER_CANCEL transfer: the order-level block
// (sheets Orders and Cancellations) and its order lines (sheet Order lines
// and the CSV).
type TransferRow struct {
	Kind           settlement.Kind
	PartnerID      settlement.PartnerID
	PartnerName    string
	PaymentID      settlement.PaymentID
	CancellationID settlement.CancellationID // ORDER_CANCEL only
	OrderName      string                    // the payment's order name, when the record named it
	// At is when the payment was made (ORDER) or cancelled (ORDER_CANCEL).
	At                  time.Time
	BusinessDate        settlement.Date
	SettlementStartDate settlement.Date
	SettlementDate      settlement.Date
	// TransferID is PortOne's transfer id, or our client id until PortOne
	// answered.
	TransferID settlement.TransferID
	Posting    Posting
	Status     settlement.TransferStatus // PortOne's status; "" until it answered
	Terms      *Terms                    // nil when the terms are unknown
	Amounts    settlement.Amounts
	// PortOneSettlement is PortOne's amount.settlement, nil until it
	// answered.
	PortOneSettlement *settlement.Won
	// Lines are the transfer's order lines; empty for an order registered
	// by amount. The line blocks and the order-level discounts and fees
	// add up to Amounts; the workbook shows the difference as a row of its
	// own.
	Lines []LineRow
}

// LineRow is one order line of a transfer.
type LineRow struct {
	ProductID         string
	ProductName       string
	Quantity          int64
	Amounts           settlement.Amounts
	PortOneSettlement *settlement.Won // PortOne's line amount.settlement, nil when unknown
}

// MismatchRow is one difference between our numbers and PortOne's.
type MismatchRow struct {
	Kind           settlement.Kind
	PartnerID      settlement.PartnerID
	PartnerName    string
	PaymentID      settlement.PaymentID
	CancellationID settlement.CancellationID
	TransferID     settlement.TransferID
	ProductID      string // the order line compared; empty for the order block
	SettlementDate settlement.Date
	// Field is PortOne's schema path of the compared value, such as
	// "amount.platformFeeVat" or "settlementDate".
	Field string
	// Local and PortOne are the compared amounts, nil when that side has
	// none or the field is not an amount.
	Local, PortOne *settlement.Won
	// LocalText and PortOneText hold non-amount values (dates, statuses).
	LocalText, PortOneText string
	Reason                 settlement.MismatchReason
}

// ProblemKind says what needs a person.
type ProblemKind string

// The problems the workbook lists, each with the command that resolves it.
const (
	ProblemRejected  ProblemKind = "rejected"  // an input record was not accepted
	ProblemFailed    ProblemKind = "failed"    // posting a transfer gave up
	ProblemConflict  ProblemKind = "conflict"  // PortOne holds another transfer under our id or key
	ProblemStuck     ProblemKind = "stuck"     // a transfer waits to be posted past its night, or keeps failing
	ProblemUnsettled ProblemKind = "unsettled" // an accepted record is not settled yet
)

// ProblemRow is one thing that needs a person.
type ProblemRow struct {
	Kind           ProblemKind
	PartnerID      settlement.PartnerID
	PartnerName    string
	PaymentID      settlement.PaymentID
	CancellationID settlement.CancellationID
	// TransferID is our client transfer id (failed, conflict, stuck).
	TransferID   settlement.TransferID
	BusinessDate settlement.Date
	At           time.Time // when it was received or last tried
	Attempts     int
	// Count is how many records or transfers the row stands for: the
	// overdue transfers and the unsettled records of one partner and
	// business date share a row; Example then names one of them.
	Count   int
	Example string
	// Field is the record's field the reason is about, if any.
	Field string
	// Reason says what went wrong, in the words of the check or of PortOne.
	Reason string
	// ErrorType is PortOne's error type (PLATFORM_…), if any.
	ErrorType string
	// Source, File and Line say where a rejected record came from.
	Source string
	File   string
	Line   int
	// Raw is the rejected record as received; redacted and cut in the cell.
	Raw string
}

// HistoryRow is one status of one transfer as we saw it.
type HistoryRow struct {
	TransferID          settlement.TransferID
	Kind                settlement.Kind
	PartnerID           settlement.PartnerID
	PartnerName         string
	PaymentID           settlement.PaymentID
	CancellationID      settlement.CancellationID
	SettlementStartDate settlement.Date
	SettlementDate      settlement.Date
	Settlement          settlement.Won
	PreviousStatus      settlement.TransferStatus // empty for the first status
	Status              settlement.TransferStatus
	ObservedAt          time.Time // when we saw the status; shown in Options.Loc
	Note                string    // how: posted, adopted, sync, …
}
