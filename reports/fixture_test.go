package reports

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/settle-dev/settle/settlement"
)

// memSource is a Source over slices, for tests.
type memSource struct {
	info      RunInfo
	summary   []SummaryRow
	orders    []OrderRow
	lines     []OrderLineRow
	cancels   []OrderRow
	mismatch  []MismatchRow
	transfers []TransferRow
	rejected  []RejectedRow
	failOn    string // method name that returns errFixture
}

type fixtureError struct{}

func (fixtureError) Error() string { return "fixture: failing source" }

var errFixture error = fixtureError{}

func each[T any](ctx context.Context, s *memSource, name string, rows []T, yield func(T) error) error {
	if s.failOn == name {
		return errFixture
	}
	for _, r := range rows {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := yield(r); err != nil {
			return err
		}
	}
	return nil
}

func (s *memSource) Run() RunInfo { return s.info }
func (s *memSource) Summary(ctx context.Context, y func(SummaryRow) error) error {
	return each(ctx, s, "Summary", s.summary, y)
}
func (s *memSource) Orders(ctx context.Context, y func(OrderRow) error) error {
	return each(ctx, s, "Orders", s.orders, y)
}
func (s *memSource) OrderLines(ctx context.Context, y func(OrderLineRow) error) error {
	return each(ctx, s, "OrderLines", s.lines, y)
}
func (s *memSource) Cancellations(ctx context.Context, y func(OrderRow) error) error {
	return each(ctx, s, "Cancellations", s.cancels, y)
}
func (s *memSource) Mismatches(ctx context.Context, y func(MismatchRow) error) error {
	return each(ctx, s, "Mismatches", s.mismatch, y)
}
func (s *memSource) Transfers(ctx context.Context, y func(TransferRow) error) error {
	return each(ctx, s, "Transfers", s.transfers, y)
}
func (s *memSource) Rejected(ctx context.Context, y func(RejectedRow) error) error {
	return each(ctx, s, "Rejected", s.rejected, y)
}

func won(v settlement.Won) *settlement.Won { return &v }

// block is an amount block by the default formulas: 10 % fee with the
// partner paying fee VAT, the partner bearing share of the discount, VAT
// burden on.
func block(order, discount, share settlement.Won) settlement.Amounts {
	fee := order / 10
	payment := order - discount
	vat := payment / 11
	a := settlement.Amounts{
		Order: order, Discount: discount, DiscountShare: share,
		PlatformFee: fee, PlatformFeeVat: fee / 10,
		Payment: payment, PaymentVat: vat, PaymentSupply: payment - vat,
		PaymentVatBurden: vat,
	}
	a.Settlement = order - share - a.PlatformFee - a.PlatformFeeVat - a.PaymentVatBurden
	return a
}

// fixture is a small marketplace over two business days: partner "007"
// (leading zeros) and "P-100", three orders with lines, one cancellation,
// two mismatches, a status history and one rejected record. Its Summary is
// built from the detail the way the store builds it, so the sheets tie.
func fixture() *memSource {
	d1, d2 := settlement.MustDate("2025-10-01"), settlement.MustDate("2025-10-02")
	s1, s2 := settlement.MustDate("2025-10-10"), settlement.MustDate("2025-10-13")
	seoul := time.FixedZone("KST", 9*3600)
	src := &memSource{info: RunInfo{From: d1, To: d2, GeneratedAt: time.Date(2025, 10, 3, 2, 0, 5, 0, seoul)}}

	type line struct {
		id, name string
		qty      int64
		a        settlement.Amounts
	}
	addOrder := func(partner, pname, payment string, start, sdate settlement.Date, status settlement.TransferStatus, portOneDelta settlement.Won, lines ...line) {
		var total settlement.Amounts
		for _, l := range lines {
			total = mustAmounts(total.Add(l.a))
		}
		tid := "tr-" + payment
		src.orders = append(src.orders, OrderRow{
			Kind: settlement.KindOrder, PartnerID: settlement.PartnerID(partner), PartnerName: pname, PaymentID: settlement.PaymentID(payment), TransferID: settlement.TransferID(tid),
			SettlementStartDate: start, SettlementDate: sdate, Status: status, Amounts: total,
			PortOneSettlement: won(total.Settlement + portOneDelta),
		})
		for _, l := range lines {
			src.lines = append(src.lines, OrderLineRow{
				Kind: settlement.KindOrder, PartnerID: settlement.PartnerID(partner), PartnerName: pname, PaymentID: settlement.PaymentID(payment), TransferID: settlement.TransferID(tid),
				ProductID: l.id, ProductName: l.name, Quantity: l.qty, SettlementStartDate: start, SettlementDate: sdate,
				Amounts: l.a, PortOneSettlement: won(l.a.Settlement),
			})
		}
	}
	addOrder("007", "칠공칠 상점", "pay-0001", d1, s1, settlement.StatusInProcess, 0,
		line{"0042", "무선 마우스", 2, block(40000, 4000, 2000)},
		line{"0043", "키보드 =SUM(1)", 1, block(55000, 0, 0)})
	addOrder("007", "칠공칠 상점", "pay-0002", d2, s2, settlement.StatusScheduled, 0,
		line{"0042", "무선 마우스", 1, block(20000, 0, 0)})
	addOrder("P-100", "Beta Store", "pay-0003", d1, s1, settlement.StatusInProcess, -10,
		line{"B-1", "Mug", 3, block(30000, 3000, 3000)})

	cancel := block(20000, 2000, 1000) // one mouse back from pay-0001
	src.cancels = append(src.cancels, OrderRow{
		Kind: settlement.KindOrderCancel, PartnerID: "007", PartnerName: "칠공칠 상점", PaymentID: "pay-0001",
		CancellationID: "cxl-01", TransferID: "tr-cxl-01", SettlementStartDate: d2, SettlementDate: s1,
		Status: settlement.StatusScheduled, Amounts: cancel, PortOneSettlement: won(cancel.Settlement),
	})
	src.lines = append(src.lines, OrderLineRow{
		Kind: settlement.KindOrderCancel, PartnerID: "007", PartnerName: "칠공칠 상점", PaymentID: "pay-0001",
		CancellationID: "cxl-01", TransferID: "tr-cxl-01", ProductID: "0042", ProductName: "무선 마우스", Quantity: 1,
		SettlementStartDate: d2, SettlementDate: s1, Amounts: cancel, PortOneSettlement: won(cancel.Settlement),
	})
	src.summary = summarize(src.orders, src.cancels)

	src.mismatch = []MismatchRow{
		{Kind: settlement.KindOrder, PartnerID: "P-100", PartnerName: "Beta Store", PaymentID: "pay-0003", TransferID: "tr-pay-0003",
			SettlementDate: s1, Field: "amount.platformFeeVat", Local: won(300), PortOne: won(310), Reason: "AMOUNT_DIFFERS"},
		{Kind: settlement.KindOrder, PartnerID: "P-100", PartnerName: "Beta Store", PaymentID: "pay-0003", TransferID: "tr-pay-0003",
			SettlementDate: s1, Field: "settlementDate", LocalText: "2025-10-10", PortOneText: "2025-10-13", Reason: "SETTLEMENT_DATE_DIFFERS"},
	}
	src.transfers = []TransferRow{
		{TransferID: "tr-pay-0001", Kind: settlement.KindOrder, PartnerID: "007", PartnerName: "칠공칠 상점", PaymentID: "pay-0001",
			SettlementStartDate: d1, SettlementDate: s1, Settlement: src.orders[0].Amounts.Settlement,
			Status: settlement.StatusScheduled, ObservedAt: time.Date(2025, 9, 30, 17, 0, 0, 0, time.UTC)},
		{TransferID: "tr-pay-0001", Kind: settlement.KindOrder, PartnerID: "007", PartnerName: "칠공칠 상점", PaymentID: "pay-0001",
			SettlementStartDate: d1, SettlementDate: s1, Settlement: src.orders[0].Amounts.Settlement,
			PreviousStatus: settlement.StatusScheduled, Status: settlement.StatusInProcess,
			ObservedAt: time.Date(2025, 10, 1, 17, 30, 0, 0, time.UTC), Note: "sync"},
	}
	src.rejected = []RejectedRow{{
		Source: "import", File: "orders.csv", Line: 17, RecordID: "pay-0099", Field: "quantity",
		Reason:     "quantity: must be > 0, got -2",
		Raw:        `{"paymentId":"pay-0099","accountNumber":"110-123-456789","quantity":-2,"memo":"` + strings.Repeat("가", 600) + `"}`,
		ReceivedAt: time.Date(2025, 10, 1, 1, 2, 3, 0, time.UTC),
	}}
	return src
}

// summarize nets orders and cancellations per partner and settlement date,
// sorted by date then partner, as the store's read model does.
func summarize(orders, cancels []OrderRow) []SummaryRow {
	idx := map[detailKey]int{}
	var out []SummaryRow
	get := func(r *OrderRow) *SummaryRow {
		k := detailKey{string(r.PartnerID), r.SettlementDate}
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, SummaryRow{PartnerID: r.PartnerID, PartnerName: r.PartnerName, SettlementDate: r.SettlementDate, PortOneSettlement: won(0)})
		}
		return &out[i]
	}
	for i := range orders {
		s := get(&orders[i])
		s.Orders++
		s.Amounts = mustAmounts(s.Amounts.Add(orders[i].Amounts))
		*s.PortOneSettlement += *orders[i].PortOneSettlement
	}
	for i := range cancels {
		s := get(&cancels[i])
		s.Cancellations++
		s.Amounts = mustAmounts(s.Amounts.Sub(cancels[i].Amounts))
		*s.PortOneSettlement -= *cancels[i].PortOneSettlement
	}
	slices.SortFunc(out, func(a, b SummaryRow) int {
		if c := a.SettlementDate.Compare(b.SettlementDate); c != 0 {
			return c
		}
		return strings.Compare(string(a.PartnerID), string(b.PartnerID))
	})
	return out
}

// mustAmounts returns a; the fixtures' small amounts cannot overflow, and a
// panic says so loudly if they ever do.
func mustAmounts(a settlement.Amounts, err error) settlement.Amounts {
	if err != nil {
		panic(err)
	}
	return a
}
