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
	transfers []TransferRow // orders and cancellations, in Source order
	mismatch  []MismatchRow
	problems  []ProblemRow
	history   []HistoryRow
	statement StatementInfo
	failOn    string // method name that returns errFixture
}

type fixtureError struct{}

func (fixtureError) Error() string { return "fixture: failing source" }

var errFixture error = fixtureError{}

func each[T any](ctx context.Context, s *memSource, name string, rows []T, yield func(*T) error) error {
	if s.failOn == name {
		return errFixture
	}
	for i := range rows {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := yield(&rows[i]); err != nil {
			return err
		}
	}
	return nil
}

func (s *memSource) Run() RunInfo             { return s.info }
func (s *memSource) Statement() StatementInfo { return s.statement }
func (s *memSource) Summary(ctx context.Context, y func(*SummaryRow) error) error {
	return each(ctx, s, "Summary", s.summary, y)
}
func (s *memSource) Transfers(ctx context.Context, y func(*TransferRow) error) error {
	return each(ctx, s, "Transfers", s.transfers, y)
}
func (s *memSource) Mismatches(ctx context.Context, y func(*MismatchRow) error) error {
	return each(ctx, s, "Mismatches", s.mismatch, y)
}
func (s *memSource) Problems(ctx context.Context, y func(*ProblemRow) error) error {
	return each(ctx, s, "Problems", s.problems, y)
}
func (s *memSource) History(ctx context.Context, y func(*HistoryRow) error) error {
	return each(ctx, s, "History", s.history, y)
}

// orders and cancels are the fixture's transfers of one kind.
func (s *memSource) ofKind(k settlement.Kind) []TransferRow {
	var out []TransferRow
	for _, t := range s.transfers {
		if t.Kind == k {
			out = append(out, t)
		}
	}
	return out
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

// The fixture's terms: a contract and two policies.
var (
	fixtureContract = &Terms{ContractID: "ct-10", ContractVersion: 2, AppliedAt: "2025-09-01T00:00:00Z",
		Contract: settlement.Contract{ID: "ct-10", Name: "일정산 10%", PlatformFee: settlement.Fee{Kind: settlement.FeeFixedRate, Rate: 10000},
			PlatformFeeVatPayer: settlement.PayerPartner, Cycle: settlement.Cycle{LagDays: 2, DatePolicy: settlement.HolidayAfter, Method: settlement.CycleDaily}},
		Policies: []PolicyTerms{
			{ID: "afp-pg", Version: 1, Fee: &settlement.AdditionalFeePolicy{ID: "afp-pg", Name: "PG 수수료", Fee: settlement.Fee{Kind: settlement.FeeFixedRate, Rate: 3300}, VatPayer: settlement.PayerPartner}},
			{ID: "dsp-half", Version: 1, Share: &settlement.DiscountSharePolicy{ID: "dsp-half", Name: "반반 할인", PartnerShareRate: 50000}},
		}}
	fixtureMonthly = &Terms{ContractID: "ct-m", ContractVersion: 1,
		Contract: settlement.Contract{ID: "ct-m", Name: "월말 500원", PlatformFee: settlement.Fee{Kind: settlement.FeeFixedAmount, Amount: 500},
			PlatformFeeVatPayer: settlement.PayerMerchant, Cycle: settlement.Cycle{LagDays: 3, DatePolicy: settlement.HolidayBefore, Method: settlement.CycleMonthly, DaysOfMonth: []int{10, 31}}}}
)

// fixture is a small marketplace over two business days: partner "007"
// (leading zeros) and "P-100", three orders (two with lines, one with an
// order-level fee beyond its lines, one registered by amount), one
// cancellation, two mismatches, a status history, a rejected record and a
// failed transfer. Its Summary is built from the detail the way the store
// builds it, so the sheets tie.
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
	addOrder := func(partner, pname, payment, orderName string, paid time.Time, start, sdate settlement.Date, status settlement.TransferStatus,
		portOneDelta settlement.Won, terms *Terms, extra settlement.Amounts, lines ...line) {
		total := extra
		tr := TransferRow{
			Kind: settlement.KindOrder, PartnerID: settlement.PartnerID(partner), PartnerName: pname, PaymentID: settlement.PaymentID(payment),
			OrderName: orderName, At: paid, BusinessDate: start, TransferID: settlement.TransferID("stl-o-" + payment),
			SettlementStartDate: start, SettlementDate: sdate, Posting: PostingSent, Status: status, Terms: terms,
		}
		for _, l := range lines {
			total = mustAmounts(total.Add(l.a))
			tr.Lines = append(tr.Lines, LineRow{ProductID: l.id, ProductName: l.name, Quantity: l.qty, Amounts: l.a, PortOneSettlement: won(l.a.Settlement)})
		}
		tr.Amounts = total
		tr.PortOneSettlement = won(total.Settlement + portOneDelta)
		src.transfers = append(src.transfers, tr)
	}
	fee := settlement.Amounts{AdditionalFee: 990, AdditionalFeeVat: 99, Settlement: -1089}
	addOrder("007", "칠공칠 상점", "pay-0001", "무선 마우스 외 1건", time.Date(2025, 10, 1, 9, 30, 0, 0, seoul), d1, s1, settlement.StatusInProcess, 0,
		fixtureContract, fee,
		line{"0042", "무선 마우스", 2, block(40000, 4000, 2000)},
		line{"0043", "키보드 =SUM(1)", 1, block(55000, 0, 0)})
	addOrder("007", "칠공칠 상점", "pay-0002", "", time.Date(2025, 10, 2, 23, 59, 0, 0, seoul), d2, s2, settlement.StatusScheduled, 0,
		fixtureContract, settlement.Amounts{}, line{"0042", "무선 마우스", 1, block(20000, 0, 0)})
	addOrder("P-100", "Beta Store", "pay-0003", "Mug order", time.Date(2025, 10, 1, 12, 0, 0, 0, seoul), d1, s1, settlement.StatusInProcess, -10,
		fixtureMonthly, block(30000, 3000, 3000))

	cancel := block(20000, 2000, 1000) // one mouse back from pay-0001
	src.transfers = append(src.transfers, TransferRow{
		Kind: settlement.KindOrderCancel, PartnerID: "007", PartnerName: "칠공칠 상점", PaymentID: "pay-0001", CancellationID: "cxl-01",
		OrderName: "무선 마우스 외 1건", At: time.Date(2025, 10, 2, 10, 0, 0, 0, seoul), BusinessDate: d2,
		TransferID: "stl-c-cxl-01", SettlementStartDate: d2, SettlementDate: s1, Posting: PostingSent,
		Status: settlement.StatusScheduled, Terms: fixtureContract, Amounts: cancel, PortOneSettlement: won(cancel.Settlement),
		Lines: []LineRow{{ProductID: "0042", ProductName: "무선 마우스", Quantity: 1, Amounts: cancel, PortOneSettlement: won(cancel.Settlement)}},
	})
	// Source order: partner, settlement date.
	slices.SortStableFunc(src.transfers, func(a, b TransferRow) int {
		if c := strings.Compare(string(a.PartnerID), string(b.PartnerID)); c != 0 {
			return c
		}
		return a.SettlementDate.Compare(b.SettlementDate)
	})
	src.summary = summarize(src.transfers)

	src.mismatch = []MismatchRow{
		{Kind: settlement.KindOrder, PartnerID: "P-100", PartnerName: "Beta Store", PaymentID: "pay-0003", TransferID: "stl-o-pay-0003",
			SettlementDate: s1, Field: "amount.platformFeeVat", Local: won(300), PortOne: won(310), Reason: settlement.AmountDiffers},
		{Kind: settlement.KindOrder, PartnerID: "P-100", PartnerName: "Beta Store", PaymentID: "pay-0003", TransferID: "stl-o-pay-0003",
			SettlementDate: s1, Field: "settlementDate", LocalText: "2025-10-10", PortOneText: "2025-10-13", Reason: settlement.DateDiffers},
	}
	src.history = []HistoryRow{
		{TransferID: "stl-o-pay-0001", Kind: settlement.KindOrder, PartnerID: "007", PartnerName: "칠공칠 상점", PaymentID: "pay-0001",
			SettlementStartDate: d1, SettlementDate: s1, Settlement: src.transfers[0].Amounts.Settlement,
			Status: settlement.StatusScheduled, ObservedAt: time.Date(2025, 9, 30, 17, 0, 0, 0, time.UTC), Note: "posted"},
		{TransferID: "stl-o-pay-0001", Kind: settlement.KindOrder, PartnerID: "007", PartnerName: "칠공칠 상점", PaymentID: "pay-0001",
			SettlementStartDate: d1, SettlementDate: s1, Settlement: src.transfers[0].Amounts.Settlement,
			PreviousStatus: settlement.StatusScheduled, Status: settlement.StatusInProcess,
			ObservedAt: time.Date(2025, 10, 1, 17, 30, 0, 0, time.UTC), Note: "sync"},
	}
	src.problems = []ProblemRow{
		{Kind: ProblemFailed, PartnerID: "P-100", PartnerName: "Beta Store", PaymentID: "pay-0004", TransferID: "stl-o-pay-0004",
			BusinessDate: d2, At: time.Date(2025, 10, 2, 17, 5, 0, 0, time.UTC), Attempts: 3, Count: 1,
			Reason: "PLATFORM_PARTNER_NOT_FOUND (404): partner P-100 is archived", ErrorType: "PLATFORM_PARTNER_NOT_FOUND"},
		{Kind: ProblemRejected, PartnerID: "007", PartnerName: "칠공칠 상점", PaymentID: "pay-0099", Source: "import", File: "orders.csv", Line: 17,
			Field: "quantity", Reason: "quantity: must be > 0, got -2", ErrorType: "INVALID_REQUEST", Count: 1,
			Raw: `{"paymentId":"pay-0099","accountNumber":"110-123-456789","quantity":-2,"memo":"` + strings.Repeat("가", 600) + `"}`,
			At:  time.Date(2025, 10, 1, 1, 2, 3, 0, time.UTC)},
	}
	return src
}

// summarize nets orders and cancellations per partner and settlement date,
// sorted by partner then date, as the store's read model does.
func summarize(transfers []TransferRow) []SummaryRow {
	type key struct {
		p settlement.PartnerID
		d settlement.Date
	}
	idx := map[key]int{}
	var out []SummaryRow
	for i := range transfers {
		t := &transfers[i]
		k := key{t.PartnerID, t.SettlementDate}
		j, ok := idx[k]
		if !ok {
			j = len(out)
			idx[k] = j
			out = append(out, SummaryRow{PartnerID: t.PartnerID, PartnerName: t.PartnerName, SettlementDate: t.SettlementDate})
		}
		s := &out[j]
		s.LongestID = max(s.LongestID, len(t.PaymentID), len(t.CancellationID))
		if t.Kind == settlement.KindOrderCancel {
			s.Cancellations++
			s.Amounts = mustAmounts(s.Amounts.Sub(t.Amounts))
		} else {
			s.Orders++
			s.Amounts = mustAmounts(s.Amounts.Add(t.Amounts))
		}
	}
	slices.SortFunc(out, func(a, b SummaryRow) int {
		if c := strings.Compare(string(a.PartnerID), string(b.PartnerID)); c != 0 {
			return c
		}
		return a.SettlementDate.Compare(b.SettlementDate)
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
