package transfer

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/settle-dev/settle/settlement"
)

// Conversion between PortOne's wire shapes and the settlement vocabulary,
// both ways: requests (*Input, the create bodies: what the emulator and
// preview accept) and answers (*FromWire: what PortOne holds). Mapping errors
// are *settlement.Error values naming the JSON field, so a bad request reads
// the same whether the emulator, `settle preview` or the HTTP API rejects it.

var weekdays = map[string]time.Weekday{
	"SUN": time.Sunday, "MON": time.Monday, "TUE": time.Tuesday, "WED": time.Wednesday,
	"THU": time.Thursday, "FRI": time.Friday, "SAT": time.Saturday,
}

var weekdayNames = [...]string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}

func parseDateField(field, s string) (settlement.Date, error) {
	if s == "" {
		return settlement.Date{}, nil
	}
	d, err := settlement.ParseDate(s)
	if err != nil {
		return settlement.Date{}, invalid(field, "want yyyy-MM-dd, got %q", s)
	}
	return d, nil
}

// ---- bounds ----
//
// Terms are bounded where they enter, whichever way that is: a request body
// (the emulator, `settle preview`) or PortOne's answer (refresh). A fixed fee
// is an amount (settlement.CheckAmount: 0..settlement.MaxAmount), a rate is
// 0..settlement.RateScale milli-percent, a VAT payer is PARTNER or MERCHANT
// and a cycle is what settlement.Cycle.Validate accepts (lagDays 1..10, ...):
// nothing outside settlement's limits reaches the engine, whose sums are
// then far from int64's range. The checks use settlement's limits, not
// copies; when settlement exports validators for whole contracts and
// policies, checkRate and the fee checks here can defer to them.

// checkRate bounds a milli-percent rate: 0..settlement.RateScale (100 %).
func checkRate(field string, r int64) *settlement.Error {
	if r < 0 || r > int64(settlement.RateScale) {
		return invalid(field, "must be 0..%d (milli-percent), got %d", settlement.RateScale, r)
	}
	return nil
}

// heldByPortOne says that a value PortOne holds is outside the bounds: the
// error names the object (kind and id) besides the field, so whoever reads
// it knows what to fix in PortOne's console. PolicyID is set for policies.
func heldByPortOne(kind, id string, err error) error {
	e, ok := settlement.AsError(err)
	if !ok {
		return fmt.Errorf("%s %q as PortOne holds it: %w", kind, id, err)
	}
	out := *e
	out.Message = fmt.Sprintf("%s %q as PortOne holds it: %s", kind, id, e.Message)
	if kind != "contract" {
		out.PolicyID = id
	}
	return &out
}

// FeeFromInput maps a PlatformFeeInput: exactly one branch, a rate of
// 0..settlement.RateScale or an amount of 0..settlement.MaxAmount.
func FeeFromInput(field string, in FeeInput) (settlement.Fee, error) {
	switch {
	case in.FixedRate != nil && in.FixedAmount != nil:
		return settlement.Fee{}, invalid(field, "exactly one of fixedRate and fixedAmount, got both")
	case in.FixedRate != nil:
		if err := checkRate(field+".fixedRate", *in.FixedRate); err != nil {
			return settlement.Fee{}, err
		}
		return settlement.Fee{Kind: settlement.FeeFixedRate, Rate: settlement.Rate(*in.FixedRate)}, nil
	case in.FixedAmount != nil:
		if err := settlement.CheckAmount(field+".fixedAmount", settlement.Won(*in.FixedAmount)); err != nil {
			return settlement.Fee{}, err
		}
		return settlement.Fee{Kind: settlement.FeeFixedAmount, Amount: settlement.Won(*in.FixedAmount)}, nil
	}
	return settlement.Fee{}, invalid(field, "exactly one of fixedRate and fixedAmount, got neither")
}

// feeFromWire maps a PlatformFee under the same bounds as FeeFromInput; a
// type this package does not know is refused, not read as a rate.
func feeFromWire(field string, f Fee) (settlement.Fee, error) {
	switch f.Type {
	case "FIXED_RATE":
		if f.Rate == nil {
			return settlement.Fee{}, invalid(field+".rate", "required for a FIXED_RATE fee")
		}
		if err := checkRate(field+".rate", *f.Rate); err != nil {
			return settlement.Fee{}, err
		}
		return settlement.Fee{Kind: settlement.FeeFixedRate, Rate: settlement.Rate(*f.Rate)}, nil
	case "FIXED_AMOUNT":
		if f.Amount == nil {
			return settlement.Fee{}, invalid(field+".amount", "required for a FIXED_AMOUNT fee")
		}
		if err := settlement.CheckAmount(field+".amount", settlement.Won(*f.Amount)); err != nil {
			return settlement.Fee{}, err
		}
		return settlement.Fee{Kind: settlement.FeeFixedAmount, Amount: settlement.Won(*f.Amount)}, nil
	}
	return settlement.Fee{}, invalid(field+".type", "must be FIXED_RATE or FIXED_AMOUNT, got %q", f.Type)
}

// FeeToWire maps a fee to PlatformFee.
func FeeToWire(f settlement.Fee) Fee {
	if f.Kind == settlement.FeeFixedAmount {
		a := int64(f.Amount)
		return Fee{Type: "FIXED_AMOUNT", Amount: &a}
	}
	r := int64(f.Rate)
	return Fee{Type: "FIXED_RATE", Rate: &r}
}

// FeeToInput maps a fee to PlatformFeeInput.
func FeeToInput(f settlement.Fee) FeeInput {
	if f.Kind == settlement.FeeFixedAmount {
		a := int64(f.Amount)
		return FeeInput{FixedAmount: &a}
	}
	r := int64(f.Rate)
	return FeeInput{FixedRate: &r}
}

func payerFrom(field, s string) (settlement.Payer, error) {
	switch p := settlement.Payer(s); p {
	case settlement.PayerPartner, settlement.PayerMerchant:
		return p, nil
	}
	return "", invalid(field, "must be PARTNER or MERCHANT, got %q", s)
}

// CycleFromInput maps a PlatformSettlementCycleInput.
func CycleFromInput(field string, in CycleInput) (settlement.Cycle, error) {
	c := settlement.Cycle{LagDays: in.LagDays, DatePolicy: settlement.DatePolicy(in.DatePolicy)}
	n := 0
	m := in.Method
	if m.Daily != nil {
		n++
		c.Method = settlement.CycleDaily
	}
	if m.Weekly != nil {
		n++
		c.Method = settlement.CycleWeekly
		for i, s := range m.Weekly.DaysOfWeek {
			wd, ok := weekdays[s]
			if !ok {
				return c, invalid(fmt.Sprintf("%s.method.weekly.daysOfWeek[%d]", field, i), "must be SUN..SAT, got %q", s)
			}
			c.DaysOfWeek = append(c.DaysOfWeek, wd)
		}
	}
	if m.Monthly != nil {
		n++
		c.Method = settlement.CycleMonthly
		c.DaysOfMonth = append([]int(nil), m.Monthly.DaysOfMonth...)
	}
	if m.ManualDates != nil {
		n++
		c.Method = settlement.CycleManualDates
		for _, d := range m.ManualDates.Dates {
			c.Dates = append(c.Dates, settlement.MonthDay{Month: time.Month(d.Month), Day: d.Day})
		}
	}
	if n != 1 {
		return c, invalid(field+".method", "exactly one of daily, weekly, monthly and manualDates, got %d", n)
	}
	if err := c.Validate(); err != nil {
		return c, err
	}
	return c, nil
}

// cycleFromWire maps a PlatformSettlementCycle under the bounds of
// settlement.Cycle.Validate (lagDays 1..10, a known date policy and method,
// days and dates in range). A weekday this package does not know is refused,
// not read as Sunday.
func cycleFromWire(w Cycle) (settlement.Cycle, error) {
	c := settlement.Cycle{LagDays: w.LagDays, DatePolicy: settlement.DatePolicy(w.DatePolicy), Method: settlement.CycleMethod(w.Method.Type)}
	for i, s := range w.Method.DaysOfWeek {
		wd, ok := weekdays[s]
		if !ok {
			return c, invalid(fmt.Sprintf("settlementCycle.method.daysOfWeek[%d]", i), "must be SUN..SAT, got %q", s)
		}
		c.DaysOfWeek = append(c.DaysOfWeek, wd)
	}
	c.DaysOfMonth = append([]int(nil), w.Method.DaysOfMonth...)
	for _, d := range w.Method.Dates {
		c.Dates = append(c.Dates, settlement.MonthDay{Month: time.Month(d.Month), Day: d.Day})
	}
	if err := c.Validate(); err != nil {
		return c, err
	}
	return c, nil
}

// CycleToWire maps a cycle to PlatformSettlementCycle.
func CycleToWire(c settlement.Cycle) Cycle {
	w := Cycle{LagDays: c.LagDays, DatePolicy: string(c.DatePolicy), Method: CycleMethod{Type: string(c.Method)}}
	for _, wd := range c.DaysOfWeek {
		w.Method.DaysOfWeek = append(w.Method.DaysOfWeek, weekdayNames[wd])
	}
	w.Method.DaysOfMonth = append([]int(nil), c.DaysOfMonth...)
	for _, d := range c.Dates {
		w.Method.Dates = append(w.Method.Dates, MonthDay{Month: int(d.Month), Day: d.Day})
	}
	return w
}

// CycleToInput maps a cycle to PlatformSettlementCycleInput.
func CycleToInput(c settlement.Cycle) CycleInput {
	in := CycleInput{LagDays: c.LagDays, DatePolicy: string(c.DatePolicy)}
	switch c.Method {
	case settlement.CycleDaily:
		in.Method.Daily = &struct{}{}
	case settlement.CycleWeekly:
		w := &WeeklyInput{DaysOfWeek: []string{}}
		for _, wd := range c.DaysOfWeek {
			w.DaysOfWeek = append(w.DaysOfWeek, weekdayNames[wd])
		}
		in.Method.Weekly = w
	case settlement.CycleMonthly:
		in.Method.Monthly = &MonthlyInput{DaysOfMonth: append([]int{}, c.DaysOfMonth...)}
	case settlement.CycleManualDates:
		m := &ManualDatesInput{Dates: []MonthDay{}}
		for _, d := range c.Dates {
			m.Dates = append(m.Dates, MonthDay{Month: int(d.Month), Day: d.Day})
		}
		in.Method.ManualDates = m
	}
	return in
}

// ContractFromInput maps a CreatePlatformContractBody.
func ContractFromInput(in CreateContractBody) (settlement.Contract, error) {
	c := settlement.Contract{ID: in.ID, Name: in.Name, SubtractPaymentVatAmount: in.SubtractPaymentVatAmount}
	if in.Name == "" {
		return c, invalid("name", "required")
	}
	var err error
	if c.PlatformFee, err = FeeFromInput("platformFee", in.PlatformFee); err != nil {
		return c, err
	}
	if c.PlatformFeeVatPayer, err = payerFrom("platformFeeVatPayer", in.PlatformFeeVatPayer); err != nil {
		return c, err
	}
	if c.Cycle, err = CycleFromInput("settlementCycle", in.SettlementCycle); err != nil {
		return c, err
	}
	return c, nil
}

// ContractFromWire maps a PlatformContract as PortOne holds it, bounded
// like ContractFromInput. Errors: *settlement.Error INVALID_REQUEST naming
// the field, its message naming the contract.
func ContractFromWire(w Contract) (settlement.Contract, error) {
	c := settlement.Contract{ID: w.ID, Name: w.Name, SubtractPaymentVatAmount: w.SubtractPaymentVatAmount}
	var err error
	if c.PlatformFee, err = feeFromWire("platformFee", w.PlatformFee); err != nil {
		return c, heldByPortOne("contract", w.ID, err)
	}
	if c.PlatformFeeVatPayer, err = payerFrom("platformFeeVatPayer", w.PlatformFeeVatPayer); err != nil {
		return c, heldByPortOne("contract", w.ID, err)
	}
	if c.Cycle, err = cycleFromWire(w.SettlementCycle); err != nil {
		return c, heldByPortOne("contract", w.ID, err)
	}
	return c, nil
}

// ContractToInput maps a contract to CreatePlatformContractBody.
func ContractToInput(c settlement.Contract) CreateContractBody {
	return CreateContractBody{
		ID: c.ID, Name: c.Name, PlatformFee: FeeToInput(c.PlatformFee),
		SettlementCycle:          CycleToInput(c.Cycle),
		PlatformFeeVatPayer:      string(c.PlatformFeeVatPayer),
		SubtractPaymentVatAmount: c.SubtractPaymentVatAmount,
	}
}

// DiscountSharePolicyFromInput maps a CreatePlatformDiscountSharePolicyBody.
func DiscountSharePolicyFromInput(in CreateDiscountSharePolicyBody) (settlement.DiscountSharePolicy, error) {
	p := settlement.DiscountSharePolicy{ID: in.ID, Name: in.Name, PartnerShareRate: settlement.Rate(in.PartnerShareRate)}
	if in.Name == "" {
		return p, invalid("name", "required")
	}
	if err := checkRate("partnerShareRate", in.PartnerShareRate); err != nil {
		return p, err
	}
	return p, nil
}

// DiscountSharePolicyFromWire maps a PlatformDiscountSharePolicy as PortOne
// holds it: a share rate of 0..settlement.RateScale. Errors:
// *settlement.Error INVALID_REQUEST naming the field and the policy.
func DiscountSharePolicyFromWire(w DiscountSharePolicy) (settlement.DiscountSharePolicy, error) {
	p := settlement.DiscountSharePolicy{ID: w.ID, Name: w.Name, PartnerShareRate: settlement.Rate(w.PartnerShareRate)}
	if err := checkRate("partnerShareRate", w.PartnerShareRate); err != nil {
		return p, heldByPortOne("discount share policy", w.ID, err)
	}
	return p, nil
}

// AdditionalFeePolicyFromInput maps a CreatePlatformAdditionalFeePolicyBody.
func AdditionalFeePolicyFromInput(in CreateAdditionalFeePolicyBody) (settlement.AdditionalFeePolicy, error) {
	p := settlement.AdditionalFeePolicy{ID: in.ID, Name: in.Name}
	if in.Name == "" {
		return p, invalid("name", "required")
	}
	var err error
	if p.Fee, err = FeeFromInput("fee", in.Fee); err != nil {
		return p, err
	}
	if p.VatPayer, err = payerFrom("vatPayer", in.VatPayer); err != nil {
		return p, err
	}
	return p, nil
}

// AdditionalFeePolicyFromWire maps a PlatformAdditionalFeePolicy as PortOne
// holds it, bounded like AdditionalFeePolicyFromInput. Errors:
// *settlement.Error INVALID_REQUEST naming the field and the policy.
func AdditionalFeePolicyFromWire(w AdditionalFeePolicy) (settlement.AdditionalFeePolicy, error) {
	p := settlement.AdditionalFeePolicy{ID: w.ID, Name: w.Name}
	var err error
	if p.Fee, err = feeFromWire("fee", w.Fee); err != nil {
		return p, heldByPortOne("additional fee policy", w.ID, err)
	}
	if p.VatPayer, err = payerFrom("vatPayer", w.VatPayer); err != nil {
		return p, heldByPortOne("additional fee policy", w.ID, err)
	}
	return p, nil
}

func discountsFrom(field string, in []DiscountInput) []settlement.Discount {
	out := make([]settlement.Discount, 0, len(in))
	for _, d := range in {
		out = append(out, settlement.Discount{SharePolicyID: d.SharePolicyID, Amount: settlement.Won(d.Amount), TaxFree: settlement.Won(deref(d.TaxFreeAmount))})
	}
	return out
}

// Order maps a CreatePlatformOrderTransferBody to the domain order. The
// settlement start date is the body's, else the date of
// externalPaymentDetail.paidAt, else the date of paidAt (the record's own
// field, zero when unknown), each in loc.
func (b *CreateOrderTransferBody) Order(paidAt time.Time, loc *time.Location) (settlement.Order, error) {
	o := settlement.Order{PartnerID: settlement.PartnerID(b.PartnerID), PaymentID: settlement.PaymentID(b.PaymentID), ContractID: b.ContractID}
	if b.PartnerID == "" {
		return o, invalid("partnerId", "required")
	}
	if b.PaymentID == "" {
		return o, invalid("paymentId", "required")
	}
	od := b.OrderDetail
	switch {
	case od.OrderAmount != nil && od.OrderLines != nil:
		return o, invalid("orderDetail", "exactly one of orderAmount and orderLines, got both")
	case od.OrderAmount != nil:
		o.OrderAmount = settlement.Won(*od.OrderAmount)
	case od.OrderLines != nil:
		o.HasLines = true
		for _, l := range od.OrderLines {
			fees := make([]string, 0, len(l.AdditionalFees))
			for _, f := range l.AdditionalFees {
				fees = append(fees, f.PolicyID)
			}
			o.Lines = append(o.Lines, settlement.Line{
				Product: settlement.Product{
					ID: l.Product.ID, Name: l.Product.Name, Amount: settlement.Won(l.Product.Amount),
					TaxFree: settlement.Won(deref(l.Product.TaxFreeAmount)), Tag: l.Product.Tag,
				},
				Quantity:       l.Quantity,
				Discounts:      discountsFrom("", l.Discounts),
				AdditionalFees: fees,
			})
		}
	default:
		return o, invalid("orderDetail", "exactly one of orderAmount and orderLines, got neither")
	}
	if b.TaxFreeAmount != nil {
		tf := settlement.Won(*b.TaxFreeAmount)
		o.TaxFree = &tf
	}
	if len(b.Parameters) > 0 && string(b.Parameters) != "null" {
		// The merchant's settlement parameters, which its formulas read
		// (settlement.Rules): {"KEY": {"decimal": int64, "decimalScale": 0..5}}.
		var ps map[string]struct {
			Decimal      *int64 `json:"decimal"`
			DecimalScale int32  `json:"decimalScale"`
		}
		if err := json.Unmarshal(b.Parameters, &ps); err != nil {
			return o, invalid("parameters", "want an object of {decimal, decimalScale} values: %v", err)
		}
		o.Parameters = make(map[string]settlement.Param, len(ps))
		for k, v := range ps {
			if v.Decimal == nil {
				return o, invalid("parameters."+k+".decimal", "required")
			}
			o.Parameters[k] = settlement.Param{Value: *v.Decimal, Scale: v.DecimalScale}
		}
	}
	o.Discounts = discountsFrom("discounts", b.Discounts)
	for _, f := range b.AdditionalFees {
		o.AdditionalFees = append(o.AdditionalFees, f.PolicyID)
	}
	var err error
	if o.SettlementStartDate, err = parseDateField("settlementStartDate", b.SettlementStartDate); err != nil {
		return o, err
	}
	if o.SettlementDate, err = parseDateField("settlementDate", b.SettlementDate); err != nil {
		return o, err
	}
	if o.SettlementStartDate.IsZero() {
		if e := b.ExternalPaymentDetail; e != nil && e.PaidAt != "" {
			t, err := time.Parse(time.RFC3339Nano, e.PaidAt)
			if err != nil {
				return o, invalid("externalPaymentDetail.paidAt", "want RFC 3339, got %q", e.PaidAt)
			}
			paidAt = t
		}
		if paidAt.IsZero() {
			return o, invalid("settlementStartDate", "required when no paidAt is known")
		}
		o.SettlementStartDate = settlement.DateOf(paidAt, loc)
	}
	return o, nil
}

// Cancellation maps a CreatePlatformOrderCancelTransferBody to the domain
// cancellation. The start date is the body's, else the date of
// externalCancellationDetail.cancelledAt, else of cancelledAt, in loc.
func (b *CreateOrderCancelTransferBody) Cancellation(cancelledAt time.Time, loc *time.Location) (settlement.Cancellation, error) {
	c := settlement.Cancellation{CancellationID: settlement.CancellationID(b.CancellationID)}
	if b.CancellationID == "" {
		return c, invalid("cancellationId", "required")
	}
	od := b.OrderDetail
	if od == nil {
		return c, invalid("orderDetail", "required: one of orderAmount, orderLines and all")
	}
	n := 0
	if od.OrderAmount != nil {
		n++
		c.Form = settlement.CancelByAmount
		c.OrderAmount = settlement.Won(*od.OrderAmount)
	}
	if od.OrderLines != nil {
		n++
		c.Form = settlement.CancelByLines
		for _, l := range od.OrderLines {
			c.Lines = append(c.Lines, settlement.CancelLine{ProductID: l.ProductID, Quantity: l.Quantity, Discounts: discountsFrom("", l.Discounts)})
		}
	}
	if od.All != nil {
		n++
		c.Form = settlement.CancelAll
	}
	if n != 1 {
		return c, invalid("orderDetail", "exactly one of orderAmount, orderLines and all, got %d", n)
	}
	if b.TaxFreeAmount != nil {
		tf := settlement.Won(*b.TaxFreeAmount)
		c.TaxFree = &tf
	}
	c.Discounts = discountsFrom("discounts", b.Discounts)
	var err error
	if c.SettlementStartDate, err = parseDateField("settlementStartDate", b.SettlementStartDate); err != nil {
		return c, err
	}
	if c.SettlementDate, err = parseDateField("settlementDate", b.SettlementDate); err != nil {
		return c, err
	}
	if c.SettlementStartDate.IsZero() {
		if e := b.ExternalCancellationDetail; e != nil && e.CancelledAt != "" {
			t, err := time.Parse(time.RFC3339Nano, e.CancelledAt)
			if err != nil {
				return c, invalid("externalCancellationDetail.cancelledAt", "want RFC 3339, got %q", e.CancelledAt)
			}
			cancelledAt = t
		}
		if cancelledAt.IsZero() {
			return c, invalid("settlementStartDate", "required when no cancelledAt is known")
		}
		c.SettlementStartDate = settlement.DateOf(cancelledAt, loc)
	}
	return c, nil
}

// AmountsFromWire maps a PlatformOrderSettlementAmount.
func AmountsFromWire(w SettlementAmount) settlement.Amounts {
	return settlement.Amounts{
		Settlement: settlement.Won(w.Settlement), SettlementTaxFree: settlement.Won(w.SettlementTaxFree),
		Payment: settlement.Won(w.Payment), PaymentVat: settlement.Won(w.PaymentVat),
		PaymentVatBurden: settlement.Won(w.PaymentVatBurden), PaymentTaxFree: settlement.Won(w.PaymentTaxFree),
		PaymentSupply: settlement.Won(w.PaymentSupply), Order: settlement.Won(w.Order),
		OrderTaxFree: settlement.Won(w.OrderTaxFree), PlatformFee: settlement.Won(w.PlatformFee),
		PlatformFeeVat: settlement.Won(w.PlatformFeeVat), AdditionalFee: settlement.Won(w.AdditionalFee),
		AdditionalFeeVat: settlement.Won(w.AdditionalFeeVat), Discount: settlement.Won(w.Discount),
		DiscountTaxFree: settlement.Won(w.DiscountTaxFree), DiscountShare: settlement.Won(w.DiscountShare),
		DiscountShareTaxFree: settlement.Won(w.DiscountShareTaxFree),
	}
}

// AmountsToWire maps an amount block to PlatformOrderSettlementAmount.
func AmountsToWire(a settlement.Amounts) SettlementAmount {
	return SettlementAmount{
		Settlement: int64(a.Settlement), SettlementTaxFree: int64(a.SettlementTaxFree),
		Payment: int64(a.Payment), PaymentVat: int64(a.PaymentVat),
		PaymentVatBurden: int64(a.PaymentVatBurden), PaymentTaxFree: int64(a.PaymentTaxFree),
		PaymentSupply: int64(a.PaymentSupply), Order: int64(a.Order),
		OrderTaxFree: int64(a.OrderTaxFree), PlatformFee: int64(a.PlatformFee),
		PlatformFeeVat: int64(a.PlatformFeeVat), AdditionalFee: int64(a.AdditionalFee),
		AdditionalFeeVat: int64(a.AdditionalFeeVat), Discount: int64(a.Discount),
		DiscountTaxFree: int64(a.DiscountTaxFree), DiscountShare: int64(a.DiscountShare),
		DiscountShareTaxFree: int64(a.DiscountShareTaxFree),
		UserDefinedFormulas:  map[string]int64{},
	}
}

// Policies resolves policy ids to the PortOne objects a transfer response embeds.
type Policies struct {
	Discount map[string]DiscountSharePolicy
	Fee      map[string]AdditionalFeePolicy
}

func (p Policies) discounts(ds []settlement.DiscountResult) []TransferDiscount {
	out := make([]TransferDiscount, 0, len(ds))
	for _, d := range ds {
		pol, ok := p.Discount[d.SharePolicyID]
		if !ok {
			pol = DiscountSharePolicy{ID: d.SharePolicyID}
		}
		out = append(out, TransferDiscount{SharePolicy: pol, Amount: int64(d.Amount), TaxFreeAmount: int64(d.TaxFree), ShareAmount: int64(d.ShareAmount), ShareTaxFreeAmount: int64(d.ShareTaxFree)})
	}
	return out
}

func (p Policies) fees(fs []settlement.FeeResult) []TransferAdditionalFee {
	out := make([]TransferAdditionalFee, 0, len(fs))
	for _, f := range fs {
		pol, ok := p.Fee[f.PolicyID]
		if !ok {
			pol = AdditionalFeePolicy{ID: f.PolicyID}
		}
		out = append(out, TransferAdditionalFee{Policy: pol, Amount: int64(f.Amount), Vat: int64(f.VAT)})
	}
	return out
}

// TransferToWire renders a computed transfer in PortOne's response shape
// (amount blocks, lines, discounts, fees, dates). Identity, status, partner,
// contract and payment are the caller's to fill.
func TransferToWire(t settlement.Transfer, p Policies) Transfer {
	w := Transfer{
		Type:                  string(t.Kind),
		SettlementDate:        t.SettlementDate.String(),
		SettlementStartDate:   t.SettlementStartDate.String(),
		SettlementCurrency:    "KRW",
		UserDefinedProperties: []UserDefinedProperty{},
		OrderLines:            make([]TransferOrderLine, 0, len(t.Lines)),
		Discounts:             p.discounts(t.Discounts),
		AdditionalFees:        p.fees(t.AdditionalFees),
	}
	a := AmountsToWire(t.Amounts)
	userToWire(a.UserDefinedFormulas, t.UserDefined)
	w.Amount = &a
	for _, l := range t.Lines {
		la := AmountsToWire(l.Amounts)
		userToWire(la.UserDefinedFormulas, l.UserDefined)
		w.OrderLines = append(w.OrderLines, TransferOrderLine{
			Product:        Product{ID: l.Product.ID, Name: l.Product.Name, Amount: int64(l.Product.Amount), TaxFreeAmount: int64(l.Product.TaxFree), Tag: l.Product.Tag},
			Quantity:       l.Quantity,
			Discounts:      p.discounts(l.Discounts),
			AdditionalFees: p.fees(l.AdditionalFees),
			Amount:         la,
		})
	}
	return w
}

// userToWire copies the results of user-defined formulas into
// amount.userDefinedFormulas; userFromWire reads them back (nil when
// there are none).
func userToWire(dst map[string]int64, src map[string]settlement.Won) {
	for k, v := range src {
		dst[k] = int64(v)
	}
}

func userFromWire(src map[string]int64) map[string]settlement.Won {
	if len(src) == 0 {
		return nil
	}
	m := make(map[string]settlement.Won, len(src))
	for k, v := range src {
		m[k] = settlement.Won(v)
	}
	return m
}

func deref[T any](p *T) T {
	var z T
	if p == nil {
		return z
	}
	return *p
}

// TransferFromWire maps PortOne's answer for an ORDER or ORDER_CANCEL
// transfer to the domain transfer and its status, as PortOne sent it: a
// negated cancel stays negated (Observe is the boundary that normalises it),
// and dates PortOne sent malformed stay zero, which reconciliation reports
// as differing.
func TransferFromWire(w Transfer) (settlement.Transfer, settlement.TransferStatus) {
	t := settlement.Transfer{Kind: settlement.Kind(w.Type), PartnerID: settlement.PartnerID(partnerIDOf(w))}
	t.SettlementDate, _ = settlement.ParseDate(w.SettlementDate)
	t.SettlementStartDate, _ = settlement.ParseDate(w.SettlementStartDate)
	if w.Payment != nil {
		t.PaymentID = settlement.PaymentID(w.Payment.ID)
	}
	if w.Contract != nil {
		t.ContractID = w.Contract.ID
	}
	if w.Cancellation != nil {
		t.CancellationID = settlement.CancellationID(w.Cancellation.ID)
	}
	if w.Amount != nil {
		t.Amounts = AmountsFromWire(*w.Amount)
		t.UserDefined = userFromWire(w.Amount.UserDefinedFormulas)
	}
	if w.Amount == nil && w.SettlementAmount != nil {
		// A MANUAL transfer has no amount block: its settlement amounts
		// are top-level members.
		t.Amounts.Settlement = settlement.Won(*w.SettlementAmount)
		if w.SettlementTaxFreeAmount != nil {
			t.Amounts.SettlementTaxFree = settlement.Won(*w.SettlementTaxFreeAmount)
		}
	}
	for _, l := range w.OrderLines {
		lr := settlement.LineResult{
			Product:  settlement.Product{ID: l.Product.ID, Name: l.Product.Name, Amount: settlement.Won(l.Product.Amount), TaxFree: settlement.Won(l.Product.TaxFreeAmount), Tag: l.Product.Tag},
			Quantity: l.Quantity,
			Amounts:  AmountsFromWire(l.Amount),
		}
		lr.UserDefined = userFromWire(l.Amount.UserDefinedFormulas)
		for _, d := range l.Discounts {
			lr.Discounts = append(lr.Discounts, discountFromWire(d))
		}
		for _, f := range l.AdditionalFees {
			lr.AdditionalFees = append(lr.AdditionalFees, settlement.FeeResult{PolicyID: f.Policy.ID, Amount: settlement.Won(f.Amount), VAT: settlement.Won(f.Vat)})
		}
		t.Lines = append(t.Lines, lr)
	}
	for _, d := range w.Discounts {
		t.Discounts = append(t.Discounts, discountFromWire(d))
	}
	for _, f := range w.AdditionalFees {
		t.AdditionalFees = append(t.AdditionalFees, settlement.FeeResult{PolicyID: f.Policy.ID, Amount: settlement.Won(f.Amount), VAT: settlement.Won(f.Vat)})
	}
	return t, settlement.TransferStatus(w.Status)
}

func discountFromWire(d TransferDiscount) settlement.DiscountResult {
	return settlement.DiscountResult{SharePolicyID: d.SharePolicy.ID, Amount: settlement.Won(d.Amount), TaxFree: settlement.Won(d.TaxFreeAmount),
		ShareAmount: settlement.Won(d.ShareAmount), ShareTaxFree: settlement.Won(d.ShareTaxFreeAmount)}
}
