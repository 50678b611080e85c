package calibrate

import (
	"fmt"
	"time"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/transfer"
)

// The probe set. Every figure is chosen so that the candidates PortOne's
// documentation leaves open give different answers somewhere
// (TestProbesSeparateEveryChoice checks it for every rounding, formula
// and variant):
//
//   - odd rates (3.333 %, 3.2 %, a 33.333 % share) on amounts whose
//     results fall below and above one half (rounding DOWN, UP, HALF_UP);
//   - a payment that is not the order (a discount), a tax-free part and
//     subtractPaymentVatAmount (the base of each fee, payment VAT and its
//     rounding, the settlement and settlementTaxFree formulas);
//   - three lines of 357 won (the order block as the sum of rounded lines
//     or recomputed on the total);
//   - a fixed platform fee on lines of several units (per order, per line,
//     per unit) and fixed-amount additional fees cancelled in part (returned
//     only with the remainder, or on each cancel);
//   - a MONTHLY day 30 cycle from 10 February (the end of February, or 30
//     March);
//   - ten million won with and without a discount (the coefficients of
//     the fee and discount share formulas).
//
// Probe transfers start in the future, so PortOne keeps them SCHEDULED and
// lets them be deleted.

// The objects a calibration sets up in PortOne's test environment. Their
// ids are fixed: a later run finds and reuses them.
const (
	PartnerID         = "settle-calibrate-partner"
	ContractRateID    = "settle-calibrate-rate"
	ContractFixedID   = "settle-calibrate-fixed"
	SharePolicyID     = "settle-calibrate-share"
	FeeRatePolicyID   = "settle-calibrate-fee-rate"
	FeeFixedPolicyID  = "settle-calibrate-fee-fixed"
	probeRate         = 3333  // 3.333 %
	probeFixedFee     = 1001  // won
	probeShareRate    = 33333 // 33.333 %
	probeFeeRate      = 3200  // 3.2 %
	probeFixedAddFee  = 777   // won
	probeLeadDays     = 45    // how far ahead probes start
	coefOrderAmount   = 10_000_000
	coefDiscount      = 3_000_000
	shortMonthCycleDa = 30
)

func ptr[T any](v T) *T { return &v }

// setup is what the probes use: two contracts, one discount share policy,
// two additional-fee policies and a partner.
type setup struct {
	contracts []transfer.CreateContractBody
	shares    []transfer.CreateDiscountSharePolicyBody
	fees      []transfer.CreateAdditionalFeePolicyBody
	partner   transfer.CreatePartnerBody
}

func probeSetup() setup {
	cycle := transfer.CycleInput{LagDays: 1, DatePolicy: string(settlement.CalendarDay),
		Method: transfer.CycleMethodInput{Monthly: &transfer.MonthlyInput{DaysOfMonth: []int{shortMonthCycleDa}}}}
	return setup{
		contracts: []transfer.CreateContractBody{
			{ID: ContractRateID, Name: "settle calibrate: 3.333 %", Memo: "probes of settle calibrate (test mode)",
				PlatformFee: transfer.FeeInput{FixedRate: ptr[int64](probeRate)}, SettlementCycle: cycle,
				PlatformFeeVatPayer: string(settlement.PayerPartner), SubtractPaymentVatAmount: true},
			{ID: ContractFixedID, Name: "settle calibrate: 1,001 won", Memo: "probes of settle calibrate (test mode)",
				PlatformFee: transfer.FeeInput{FixedAmount: ptr[int64](probeFixedFee)}, SettlementCycle: cycle,
				PlatformFeeVatPayer: string(settlement.PayerPartner)},
		},
		shares: []transfer.CreateDiscountSharePolicyBody{
			{ID: SharePolicyID, Name: "settle calibrate: 33.333 %", PartnerShareRate: probeShareRate},
		},
		fees: []transfer.CreateAdditionalFeePolicyBody{
			{ID: FeeRatePolicyID, Name: "settle calibrate: 3.2 %", Fee: transfer.FeeInput{FixedRate: ptr[int64](probeFeeRate)}, VatPayer: string(settlement.PayerPartner)},
			{ID: FeeFixedPolicyID, Name: "settle calibrate: 777 won", Fee: transfer.FeeInput{FixedAmount: ptr[int64](probeFixedAddFee)}, VatPayer: string(settlement.PayerPartner)},
		},
		partner: transfer.CreatePartnerBody{
			ID: PartnerID, Name: "settle calibrate", Memo: "probes of settle calibrate (test mode)",
			Contact:           transfer.ContactInput{Name: "settle calibrate", Email: "calibrate@settle.invalid"},
			Account:           transfer.AccountInput{Bank: "KOOKMIN", Currency: "KRW", Number: "00000000000000", Holder: "settle calibrate"},
			DefaultContractID: ContractRateID, Tags: []string{"settle-calibrate"},
			Type: transfer.PartnerTypeInput{NonWhtPayer: &transfer.IndividualInput{}},
		},
	}
}

// Probe is one probe order and the cancels posted after it, in PortOne's
// request shapes, with their client ids.
type Probe struct {
	Name     string
	Contract string
	Order    transfer.CreateOrderTransferBody
	Cancels  []transfer.CreateOrderCancelTransferBody
}

// probeIDs derives a probe's ids from the run: the order transfer id (also
// the payment id) and the id of its i-th cancel (also the cancellation
// id).
func orderID(run, name string) string { return fmt.Sprintf("settle-calibrate-%s-%s", run, name) }

func cancelID(run, name string, i int) string {
	return fmt.Sprintf("settle-calibrate-%s-%s-cancel-%d", run, name, i+1)
}

// firstFeb10After is the first 10 February after d.
func firstFeb10After(d settlement.Date) settlement.Date {
	f := settlement.MakeDate(d.Year, time.February, 10)
	if !f.After(d) {
		f = settlement.MakeDate(d.Year+1, time.February, 10)
	}
	return f
}

// probes builds the probe set of run, starting on start (the short-month
// probe on the first 10 February after it).
func probes(run string, start settlement.Date) []Probe {
	line := func(id string, amount, qty int64, fees ...string) transfer.OrderLineInput {
		l := transfer.OrderLineInput{Product: transfer.ProductInput{ID: id, Name: "probe " + id, Amount: amount}, Quantity: qty,
			Discounts: []transfer.DiscountInput{}, AdditionalFees: []transfer.AdditionalFeeInput{}}
		for _, f := range fees {
			l.AdditionalFees = append(l.AdditionalFees, transfer.AdditionalFeeInput{PolicyID: f})
		}
		return l
	}
	fees := func(ids ...string) []transfer.AdditionalFeeInput {
		out := []transfer.AdditionalFeeInput{}
		for _, id := range ids {
			out = append(out, transfer.AdditionalFeeInput{PolicyID: id})
		}
		return out
	}
	share := func(amount int64, taxFree *int64) []transfer.DiscountInput {
		return []transfer.DiscountInput{{SharePolicyID: SharePolicyID, Amount: amount, TaxFreeAmount: taxFree}}
	}
	order := func(name, contract string, on settlement.Date, detail transfer.OrderDetailInput, discounts []transfer.DiscountInput, fees []transfer.AdditionalFeeInput) Probe {
		if discounts == nil {
			discounts = []transfer.DiscountInput{}
		}
		id := orderID(run, name)
		return Probe{Name: name, Contract: contract, Order: transfer.CreateOrderTransferBody{
			ID: id, PartnerID: PartnerID, ContractID: contract, PaymentID: id, OrderDetail: detail,
			SettlementStartDate: on.String(), Discounts: discounts, AdditionalFees: fees,
			ExternalPaymentDetail: &transfer.ExternalPaymentDetail{Currency: "KRW", OrderName: "settle calibrate probe " + name},
			Memo:                  "settle calibrate probe (test mode)",
		}}
	}
	cancel := func(p *Probe, detail transfer.CancelOrderDetailInput) {
		i := len(p.Cancels)
		id := cancelID(run, p.Name, i)
		on, _ := settlement.ParseDate(p.Order.SettlementStartDate)
		p.Cancels = append(p.Cancels, transfer.CreateOrderCancelTransferBody{
			ID: id, TransferID: p.Order.ID, CancellationID: id, OrderDetail: &detail, Discounts: []transfer.DiscountInput{},
			SettlementStartDate: on.AddDays(1).String(), ExternalCancellationDetail: &transfer.ExternalCancellationDetail{},
			Memo: "settle calibrate probe (test mode)",
		})
	}
	amount := func(v int64) transfer.OrderDetailInput { return transfer.OrderDetailInput{OrderAmount: ptr(v)} }
	lines := func(ls ...transfer.OrderLineInput) transfer.OrderDetailInput {
		return transfer.OrderDetailInput{OrderLines: ls}
	}

	uneven := order("uneven", ContractRateID, start, amount(10001), share(1234, ptr[int64](100)), fees(FeeRatePolicyID))
	uneven.Order.TaxFreeAmount = ptr[int64](1000)
	half := order("half", ContractRateID, start, amount(1516), share(500, nil), fees(FeeRatePolicyID))
	sumLines := order("lines", ContractRateID, start, lines(line("a", 357, 1, FeeRatePolicyID), line("b", 357, 1, FeeRatePolicyID), line("c", 357, 1, FeeRatePolicyID)),
		share(100, nil), fees())
	smallLines := order("lines-low", ContractRateID, start, lines(line("a", 303, 1, FeeRatePolicyID), line("b", 303, 1, FeeRatePolicyID), line("c", 303, 1, FeeRatePolicyID)),
		nil, fees())
	fixedLines := order("fixed-lines", ContractFixedID, start, lines(line("a", 2000, 3, FeeFixedPolicyID), line("b", 3000, 1)), nil, fees(FeeRatePolicyID))
	cancel(&fixedLines, transfer.CancelOrderDetailInput{OrderLines: []transfer.CancelOrderLineInput{{ProductID: "a", Quantity: 1, Discounts: []transfer.DiscountInput{}}}})
	fixedAmount := order("fixed-amount", ContractRateID, start, amount(20000), nil, fees(FeeFixedPolicyID))
	cancel(&fixedAmount, transfer.CancelOrderDetailInput{OrderAmount: ptr[int64](5000)})
	shortMonth := order("short-month", ContractRateID, firstFeb10After(start), amount(5000), nil, fees())
	coefOrder := order("coef-order", ContractRateID, start, amount(coefOrderAmount), nil, fees(FeeRatePolicyID))
	coefDisc := order("coef-discount", ContractRateID, start, amount(coefOrderAmount), share(coefDiscount, nil), fees(FeeRatePolicyID))
	return []Probe{uneven, half, sumLines, smallLines, fixedLines, fixedAmount, shortMonth, coefOrder, coefDisc}
}
