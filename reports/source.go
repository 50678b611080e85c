package reports

import (
	"context"
	"time"

	"github.com/settle-dev/settle/settlement"
)

// Source is what the writers read: the read models of one export, each
// delivered row by row through yield so that no writer ever holds a whole
// table. A yield that returns an error must stop the iteration, and the
// method must return that error unchanged. Every method may be called at
// most once per WriteWorkbook or WriteCSV call, in any order.
//
// Money in every row is in PortOne's sign convention: an ORDER_CANCEL row
// carries the positive magnitudes taken back, exactly as PortOne shows them;
// only the Summary nets orders and cancellations.
type Source interface {
	// Run describes the export: its business dates and when it was made.
	Run() RunInfo
	// Summary yields one row per partner and settlement date, net of
	// cancellations. The workbook holds these rows in memory (their number
	// grows with partners × dates, not with orders).
	Summary(ctx context.Context, yield func(SummaryRow) error) error
	// Orders yields the order-level block of every ORDER transfer.
	Orders(ctx context.Context, yield func(OrderRow) error) error
	// OrderLines yields every order line of ORDER and ORDER_CANCEL transfers.
	OrderLines(ctx context.Context, yield func(OrderLineRow) error) error
	// Cancellations yields the order-level block of every ORDER_CANCEL transfer.
	Cancellations(ctx context.Context, yield func(OrderRow) error) error
	// Mismatches yields every difference reconciliation found.
	Mismatches(ctx context.Context, yield func(MismatchRow) error) error
	// Transfers yields the status history of transfers, one row per status seen.
	Transfers(ctx context.Context, yield func(TransferRow) error) error
	// Rejected yields every record that was not accepted, with its reason.
	Rejected(ctx context.Context, yield func(RejectedRow) error) error
}

// RunInfo describes one export for the front sheet.
type RunInfo struct {
	From, To    settlement.Date // business dates covered, inclusive
	GeneratedAt time.Time       // when the data was read; shown in Options.Loc
}

// SummaryRow is one partner's settlement on one settlement date, net of
// cancellations (orders − cancellations, field by field).
type SummaryRow struct {
	PartnerID      settlement.PartnerID
	PartnerName    string
	SettlementDate settlement.Date
	Orders         int // ORDER transfers
	Cancellations  int // ORDER_CANCEL transfers
	Amounts        settlement.Amounts
	// PortOneSettlement is the sum of PortOne's amount.settlement over the
	// same transfers (net), or nil when PortOne has answered none of them.
	PortOneSettlement *settlement.Won
}

// OrderRow is the order-level amount block of one ORDER or ORDER_CANCEL
// transfer (sheets Orders and Cancellations).
type OrderRow struct {
	Kind                settlement.Kind
	PartnerID           settlement.PartnerID
	PartnerName         string
	PaymentID           settlement.PaymentID
	CancellationID      settlement.CancellationID // ORDER_CANCEL only
	TransferID          settlement.TransferID     // PortOne's transfer id (ours until PortOne answered)
	SettlementStartDate settlement.Date
	SettlementDate      settlement.Date
	Status              settlement.TransferStatus
	Amounts             settlement.Amounts
	// PortOneSettlement is PortOne's amount.settlement for this transfer, or
	// nil when PortOne has not answered.
	PortOneSettlement *settlement.Won
}

// OrderLineRow is one order line of an ORDER or ORDER_CANCEL transfer
// (sheet Order lines and the CSV).
type OrderLineRow struct {
	Kind                settlement.Kind
	PartnerID           settlement.PartnerID
	PartnerName         string
	PaymentID           settlement.PaymentID
	CancellationID      settlement.CancellationID // ORDER_CANCEL only
	TransferID          settlement.TransferID
	ProductID           string
	ProductName         string
	Quantity            int64
	SettlementStartDate settlement.Date
	SettlementDate      settlement.Date
	Amounts             settlement.Amounts
	PortOneSettlement   *settlement.Won // PortOne's line amount.settlement, nil when unknown
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
	// "amount.platformFeeVat" or "settlementDate"; empty when the whole
	// transfer is missing or unknown.
	Field string
	// Local and PortOne are the compared amounts, nil when that side has none
	// (or the field is not an amount). The difference is Local − PortOne with
	// a missing side counted as zero.
	Local, PortOne *settlement.Won
	// LocalText and PortOneText hold non-amount values (dates, statuses).
	LocalText, PortOneText string
	Reason                 string // a reason code such as AMOUNT_DIFFERS
}

// TransferRow is one status of one transfer as we saw it (sheet Transfers).
type TransferRow struct {
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
	Note                string
}

// RejectedRow is one input record that was not accepted.
type RejectedRow struct {
	Source     string // "import", "api", "webhook", …
	File       string // input file, if any
	Line       int    // line in File, 0 when none
	RecordID   string // payment or cancellation id, if known
	Field      string
	Reason     string
	Raw        string // the record as received; truncated and redacted in the cell
	ReceivedAt time.Time
}
