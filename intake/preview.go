package intake

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/transfer"
)

// PreviewInput is `settle preview`'s input (DESIGN.md §5): PortOne's own
// request shapes for the contract, the policies, the order and its cancels.
type PreviewInput struct {
	Contract              transfer.CreateContractBody              `json:"contract"`
	DiscountSharePolicies []transfer.CreateDiscountSharePolicyBody `json:"discountSharePolicies"`
	AdditionalFeePolicies []transfer.CreateAdditionalFeePolicyBody `json:"additionalFeePolicies"`
	Rounding              *struct {
		Fee string `json:"fee"`
		VAT string `json:"vat"`
	} `json:"rounding,omitempty"`
	// Rules are the merchant's rules, in the rules file's format
	// (settlement.ParseRules): they win over the configured SETTLE_RULES.
	Rules    jsontext.Value   `json:"rules,omitempty"`
	Holidays []string         `json:"holidays,omitempty"`
	Order    jsontext.Value   `json:"order"`
	Cancels  []jsontext.Value `json:"cancels,omitempty"`
}

// PreviewTransfer is one transfer of the preview's output, in PortOne's
// response shape (a subset of PlatformOrderTransfer / PlatformOrderCancelTransfer).
type PreviewTransfer struct {
	Type                string                           `json:"type"`
	SettlementStartDate string                           `json:"settlementStartDate"`
	SettlementDate      string                           `json:"settlementDate"`
	Amount              transfer.SettlementAmount        `json:"amount"`
	OrderLines          []transfer.TransferOrderLine     `json:"orderLines"`
	Discounts           []transfer.TransferDiscount      `json:"discounts"`
	AdditionalFees      []transfer.TransferAdditionalFee `json:"additionalFees"`
	Cancellation        *transfer.Cancellation           `json:"cancellation,omitempty"`
}

// PreviewOutput is `settle preview`'s output.
type PreviewOutput struct {
	Transfer        PreviewTransfer   `json:"transfer"`
	CancelTransfers []PreviewTransfer `json:"cancelTransfers"`

	// Notes say where preview chose a value PortOne would default (a
	// settlementStartDate of today), and which merchant's rules computed
	// the output when they are not the defaults; `settle preview` prints
	// them on stderr.
	Notes []string `json:"-"`
	// RulesVersion is the version of the rules that computed the output.
	RulesVersion string `json:"-"`
}

// PreviewError is a rejected preview input: PortOne's error (type, field,
// message) with the part of the input it concerns as a field prefix.
type PreviewError struct {
	Err *settlement.Error
}

func (e *PreviewError) Error() string { return e.Err.Error() }
func (e *PreviewError) Unwrap() error { return e.Err }

func prefixed(prefix string, err error) error {
	se := asFieldError(err, "")
	c := *se
	if c.Field != "" {
		c.Field = prefix + "." + c.Field
	} else {
		c.Field = prefix
	}
	return &PreviewError{Err: &c}
}

// Preview computes, without any I/O, what PortOne would answer for the
// order and cancels in data, in business time zone loc; see Rules.Preview.
func Preview(data []byte, loc *time.Location) (*PreviewOutput, error) {
	return Rules{Location: loc}.Preview(data)
}

// Preview computes, without any I/O, what PortOne would answer for the
// order and cancels in data. The input is decoded as strictly as a record
// (duplicate names and unknown members refused), and the order and each
// cancel go through the same decoder and validator as every record, in
// preview mode (see previewMode): paidAt / cancelledAt are optional, a date
// PortOne would default to the time of the request is today in SETTLE_TZ
// (PreviewOutput.Notes says so), and the horizon and the isForTest check do
// not apply. Bad input is a *PreviewError carrying PortOne's error type and
// the field at fault.
func (r Rules) Preview(data []byte) (*PreviewOutput, error) {
	return r.PreviewWith(data, nil)
}

// PreviewWith is Preview with the merchant's rules (SETTLE_RULES; nil means
// PortOne's defaults). The input's own rules, or its rounding, win over
// them.
func (r Rules) PreviewWith(data []byte, rules *settlement.Rules) (*PreviewOutput, error) {
	var in PreviewInput
	if err := decodeStrict(data, &in, nil, nil); err != nil {
		return nil, &PreviewError{Err: err}
	}
	terms, pols, err := previewTerms(&in)
	if err != nil {
		return nil, err
	}
	switch {
	case len(in.Rules) > 0 && in.Rules.Kind() != 'n':
		if in.Rounding != nil {
			return nil, prefixed("rounding", errors.New("give the rounding inside rules (rounding.vat, formulas.*.round) when the input has rules"))
		}
		terms.Rules, err = settlement.ParseRules(in.Rules)
		if err != nil {
			// The first problem's member is the field; the message lists
			// every problem.
			var re *settlement.RulesError
			if errors.As(err, &re) {
				msg := re.Err.Error()
				if strings.Contains(err.Error(), "\n") {
					msg = strings.ReplaceAll(err.Error(), "\n", "; ")
				}
				return nil, prefixed("rules."+re.Key, errors.New(msg))
			}
			return nil, prefixed("rules", err)
		}
	case in.Rounding == nil:
		terms.Rules = rules
	}
	if terms.Rules == nil {
		terms.Rules = settlement.DefaultRulesWith(terms.Rounding)
	}
	if len(in.Order) == 0 || in.Order.Kind() == 'n' {
		return nil, prefixed("order", errors.New("required"))
	}
	pm := &previewMode{}
	rec, err := r.decodePreview(in.Order, TypeOrder, pm)
	if err != nil {
		return nil, prefixed("order", err)
	}
	book, err := settlement.NewBook(rec.Order.Order, terms)
	if err != nil {
		return nil, prefixed("order", err)
	}
	out := &PreviewOutput{Transfer: previewTransfer(book.Order(), pols), CancelTransfers: []PreviewTransfer{}}
	for i, raw := range in.Cancels {
		at := fmt.Sprintf("cancels[%d]", i)
		rec, err := r.decodePreview(raw, TypeOrderCancel, pm)
		if err != nil {
			return nil, prefixed(at, err)
		}
		c := rec.Cancel
		t, err := book.Cancel(c.Cancellation)
		if err != nil {
			return nil, prefixed(at, err)
		}
		pt := previewTransfer(t, pols)
		var cancelledAt string
		if !c.CancelledAt.IsZero() {
			cancelledAt = c.CancelledAt.Format(time.RFC3339Nano)
		}
		pt.Cancellation = &transfer.Cancellation{ID: string(c.Cancellation.CancellationID), CancelledAt: cancelledAt}
		out.CancelTransfers = append(out.CancelTransfers, pt)
	}
	out.Notes = pm.notes
	out.RulesVersion = terms.Rules.Version()
	if !terms.Rules.IsDefault() {
		out.Notes = append(out.Notes, "computed with the merchant's rules "+out.RulesVersion)
	}
	return out, nil
}

// decodePreview decodes one order or cancel of a preview input with the
// one decoder and validator, in preview mode.
func (r Rules) decodePreview(data []byte, want string, pm *previewMode) (Record, error) {
	if _, err := jsonRecordType(data, want); err != nil {
		return Record{}, err
	}
	if want == TypeOrderCancel {
		var in cancelInput
		if err := decodeStrict(data, &in, &in.Unknown, cancelNames); err != nil {
			return Record{}, err
		}
		c, err := r.cancel(&in, pm)
		return Record{Cancel: c}, err
	}
	var in orderInput
	if err := decodeStrict(data, &in, &in.Unknown, orderNames); err != nil {
		return Record{}, err
	}
	o, err := r.order(&in, pm)
	return Record{Order: o}, err
}

func previewTerms(in *PreviewInput) (settlement.Terms, transfer.Policies, error) {
	t := settlement.Terms{
		DiscountSharePolicies: map[string]settlement.DiscountSharePolicy{},
		AdditionalFeePolicies: map[string]settlement.AdditionalFeePolicy{},
		Rounding:              settlement.DefaultRounding,
	}
	pols := transfer.Policies{Discount: map[string]transfer.DiscountSharePolicy{}, Fee: map[string]transfer.AdditionalFeePolicy{}}
	c, err := transfer.ContractFromInput(in.Contract)
	if err == nil && in.Contract.ID != "" {
		if e := settlement.CheckID("id", in.Contract.ID); e != nil {
			err = e
		}
	}
	if err != nil {
		return t, pols, prefixed("contract", err)
	}
	t.Contract = c
	for i, p := range in.DiscountSharePolicies {
		d, err := transfer.DiscountSharePolicyFromInput(p)
		if e := settlement.CheckID("id", p.ID); err == nil && e != nil {
			err = e
		}
		if err != nil {
			return t, pols, prefixed(fmt.Sprintf("discountSharePolicies[%d]", i), err)
		}
		t.DiscountSharePolicies[d.ID] = d
		pols.Discount[d.ID] = transfer.DiscountSharePolicy{ID: p.ID, Name: p.Name, PartnerShareRate: p.PartnerShareRate, Memo: p.Memo, AppliedAt: time.Unix(0, 0).UTC().Format(time.RFC3339)}
	}
	for i, p := range in.AdditionalFeePolicies {
		f, err := transfer.AdditionalFeePolicyFromInput(p)
		if e := settlement.CheckID("id", p.ID); err == nil && e != nil {
			err = e
		}
		if err != nil {
			return t, pols, prefixed(fmt.Sprintf("additionalFeePolicies[%d]", i), err)
		}
		t.AdditionalFeePolicies[f.ID] = f
		pols.Fee[f.ID] = transfer.AdditionalFeePolicy{ID: p.ID, Name: p.Name, Fee: transfer.FeeToWire(f.Fee), Memo: p.Memo, VatPayer: p.VatPayer, AppliedAt: time.Unix(0, 0).UTC().Format(time.RFC3339)}
	}
	if r := in.Rounding; r != nil {
		fee, err := settlement.ParseRoundMode(r.Fee)
		if err != nil {
			return t, pols, prefixed("rounding.fee", err)
		}
		vat, err := settlement.ParseRoundMode(r.VAT)
		if err != nil {
			return t, pols, prefixed("rounding.vat", err)
		}
		t.Rounding = settlement.Rounding{Fee: fee, VAT: vat}
	}
	cal := settlement.KoreanCalendar()
	var extra []settlement.Holiday
	for i, h := range in.Holidays {
		d, err := settlement.ParseDate(h)
		if err != nil {
			return t, pols, prefixed(fmt.Sprintf("holidays[%d]", i), err)
		}
		extra = append(extra, settlement.Holiday{Date: d, Name: "extra"})
	}
	t.Calendar = cal.WithHolidays(extra...)
	return t, pols, nil
}

func previewTransfer(t settlement.Transfer, pols transfer.Policies) PreviewTransfer {
	w := transfer.TransferToWire(t, pols)
	return PreviewTransfer{
		Type: w.Type, SettlementStartDate: w.SettlementStartDate, SettlementDate: w.SettlementDate,
		Amount: *w.Amount, OrderLines: w.OrderLines, Discounts: w.Discounts, AdditionalFees: w.AdditionalFees,
	}
}
