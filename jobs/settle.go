package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
	"github.com/settle-dev/settle/transfer"
)

// termsCache loads contract and policy versions once per run.
type termsCache struct {
	st        *store.Store
	contracts map[string]store.Versioned[settlement.Contract] // "id@version"
	discount  map[string]store.Versioned[settlement.DiscountSharePolicy]
	fee       map[string]store.Versioned[settlement.AdditionalFeePolicy]
	partners  map[string]store.Partner
	setting   store.PlatformSetting
}

func (p *Pipeline) newTermsCache(ctx context.Context) (*termsCache, error) {
	tc := &termsCache{st: p.st, contracts: map[string]store.Versioned[settlement.Contract]{}, partners: map[string]store.Partner{}}
	var err error
	if tc.discount, err = p.st.AllDiscountSharePolicies(ctx); err != nil {
		return nil, err
	}
	if tc.fee, err = p.st.AllAdditionalFeePolicies(ctx); err != nil {
		return nil, err
	}
	// Before the first refresh PortOne's defaults apply (the setting is off).
	if tc.setting, err = p.st.PlatformSetting(ctx); err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	return tc, nil
}

func (tc *termsCache) contract(ctx context.Context, id string, version int) (store.Versioned[settlement.Contract], error) {
	key := fmt.Sprintf("%s@%d", id, version)
	if c, ok := tc.contracts[key]; ok {
		return c, nil
	}
	c, err := tc.st.Contract(ctx, id, version)
	if err != nil {
		return c, err
	}
	tc.contracts[key] = c
	return c, nil
}

func (tc *termsCache) partner(ctx context.Context, id string) (store.Partner, error) {
	if pt, ok := tc.partners[id]; ok {
		return pt, nil
	}
	pt, err := tc.st.Partner(ctx, settlement.PartnerID(id))
	if err != nil {
		return pt, err
	}
	tc.partners[id] = pt
	return pt, nil
}

// terms builds the settlement terms of a contract version with the policies
// in force, and records the policy versions that apply.
func (p *Pipeline) terms(tc *termsCache, c store.Versioned[settlement.Contract]) (settlement.Terms, map[string]int) {
	t := settlement.Terms{
		Contract:               c.Value,
		DiscountSharePolicies:  make(map[string]settlement.DiscountSharePolicy, len(tc.discount)),
		AdditionalFeePolicies:  make(map[string]settlement.AdditionalFeePolicy, len(tc.fee)),
		Rules:                  p.opts.Rules,
		Rounding:               p.opts.Rounding,
		Calendar:               p.opts.Calendar,
		AdjustEarlierToNextDay: tc.setting.AdjustSettlementDateAfterHolidayIfEarlier,
	}
	versions := map[string]int{}
	for id, v := range tc.discount {
		t.DiscountSharePolicies[id] = v.Value
		versions[id] = v.Version
	}
	for id, v := range tc.fee {
		t.AdditionalFeePolicies[id] = v.Value
		versions[id] = v.Version
	}
	return t, versions
}

// usedPolicies keeps only the versions of the policies an order names.
func usedPolicies(o settlement.Order, all map[string]int) map[string]int {
	used := map[string]int{}
	add := func(id string) {
		if v, ok := all[id]; ok {
			used[id] = v
		}
	}
	for _, d := range o.Discounts {
		add(d.SharePolicyID)
	}
	for _, f := range o.AdditionalFees {
		add(f)
	}
	for _, l := range o.Lines {
		for _, d := range l.Discounts {
			add(d.SharePolicyID)
		}
		for _, f := range l.AdditionalFees {
			add(f)
		}
	}
	return used
}

// Settle computes the blocks and settlement dates of every order and
// cancellation due by d that has none yet: d's own, and those of any
// earlier date, however old, that arrived after their date's run or waited
// for their order. It creates one transfer intent each, with its client
// transfer id, in the same transaction. Records of earlier dates are
// settled under d (d's post and reconcile take them) with their own
// settlementStartDate. It resumes by construction: what is settled is not
// settled again. An input the rules reject is kept in rejected records with
// its reason and field; a cancellation whose order is not settled waits.
// The counts end with what still waits, by reason (waiting_<reason>).
func (p *Pipeline) Settle(ctx context.Context, d settlement.Date, opts RunOptions) (Counts, error) {
	c := Counts{}
	tc, err := p.newTermsCache(ctx)
	if err != nil {
		return c, err
	}
	var batch []store.SettlementRecord
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		outs, err := p.st.SaveSettlements(ctx, batch)
		if err != nil {
			return err
		}
		for _, o := range outs {
			c[string(o.Kind)]++
		}
		batch = batch[:0]
		return nil
	}
	// lateness counts a record of an earlier date as late.
	lateness := func(bd settlement.Date, kind string) string {
		if bd.Before(d) {
			return "late_" + kind
		}
		return kind
	}
	err = p.st.UnsettledOrders(ctx, d, func(rec *store.OrderRecord) error {
		sr, rej := p.settleOrder(ctx, tc, d, rec)
		if rej != nil {
			c["rejected"]++
			return p.reject(ctx, rec.File, rec.Line, string(rec.Order.PartnerID), string(rec.Order.PaymentID), rec.Request, rej)
		}
		c[lateness(rec.BusinessDate, "orders")]++
		batch = append(batch, sr)
		if len(batch) >= 200 {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return c, fmt.Errorf("settle %s: orders: %w", d, err)
	}
	// Cancellations one at a time, in the order they happened: each one's
	// book depends on the ones before it, which must be stored first.
	err = p.st.UnsettledCancellations(ctx, d, func(rec *store.CancellationRecord) error {
		sr, rej := p.settleCancel(ctx, tc, d, rec)
		if errors.Is(rej, errOrderNotSettled) {
			return nil // it waits for its order (counted below), not rejected
		}
		if rej != nil {
			c["rejected"]++
			return p.reject(ctx, rec.File, rec.Line, string(rec.PartnerID), string(rec.Cancellation.CancellationID), rec.Request, rej)
		}
		if _, err := p.st.SaveSettlement(ctx, sr); err != nil {
			return err
		}
		c[lateness(rec.BusinessDate, "cancellations")]++
		return nil
	})
	if err != nil {
		return c, fmt.Errorf("settle %s: cancellations: %w", d, err)
	}
	return c, p.countWaiting(ctx, d, c)
}

// countWaiting adds to c what is still not settled after the run of d, by
// reason (waiting_<reason>, orders and cancellations together), and warns
// when records wait for anything but their own date's run.
func (p *Pipeline) countWaiting(ctx context.Context, d settlement.Date, c Counts) error {
	waiting, err := p.st.CountWaiting(ctx, d)
	if err != nil {
		return fmt.Errorf("settle %s: count waiting records: %w", d, err)
	}
	var attrs []any
	for kind, reasons := range waiting {
		for r, n := range reasons {
			c["waiting_"+string(r)] += n
			if r != store.WaitDateNotRun {
				attrs = append(attrs, strings.ToLower(string(kind))+"_"+string(r), n)
			}
		}
	}
	if len(attrs) > 0 {
		p.log.Warn("records not settled", append([]any{"business_date", d.String()}, attrs...)...)
	}
	return nil
}

// reject keeps a record the settlement rules refused at settle time, with
// source "pipeline" and the file and line it came from, if any.
func (p *Pipeline) reject(ctx context.Context, file string, line int, partnerID, key string, raw []byte, rej error) error {
	r := store.Rejected{Source: store.SourcePipeline, File: file, Line: line, PartnerID: settlement.PartnerID(partnerID), RecordKey: key, Payload: raw, Reason: rej.Error()}
	if se, ok := settlement.AsError(rej); ok {
		r.Field, r.ErrorType = se.Field, string(se.Type)
	}
	_, err := p.st.SaveRejected(ctx, r)
	return err
}

func (p *Pipeline) settleOrder(ctx context.Context, tc *termsCache, d settlement.Date, rec *store.OrderRecord) (store.SettlementRecord, error) {
	o := rec.Order
	contractID := o.ContractID
	if contractID == "" {
		pt, err := tc.partner(ctx, string(o.PartnerID))
		if err != nil {
			return store.SettlementRecord{}, &settlement.Error{Type: settlement.ErrPartnerNotFound, Field: "partnerId", Message: fmt.Sprintf("partner %q is not known (run refresh): %v", o.PartnerID, err)}
		}
		contractID = pt.DefaultContractID
	}
	c, err := tc.contract(ctx, contractID, 0)
	if err != nil {
		return store.SettlementRecord{}, &settlement.Error{Type: settlement.ErrContractNotFound, Field: "contractId", Message: fmt.Sprintf("contract %q is not known: %v", contractID, err)}
	}
	terms, versions := p.terms(tc, c)
	t, err := settlement.SettleOrder(o, terms)
	if err != nil {
		return store.SettlementRecord{}, err
	}
	var body transfer.CreateOrderTransferBody
	if err := json.Unmarshal(rec.Request, &body); err != nil {
		return store.SettlementRecord{}, &settlement.Error{Type: settlement.ErrInvalidRequest, Message: "stored request: " + err.Error()}
	}
	body.ID = string(store.IntentID(o.PartnerID, o.PaymentID, settlement.KindOrder, ""))
	body.ContractID = contractID
	body.SettlementStartDate = o.SettlementStartDate.String() // always explicit (DESIGN.md §3)
	req, err := json.Marshal(body)
	if err != nil {
		return store.SettlementRecord{}, err
	}
	return store.SettlementRecord{Transfer: t, BusinessDate: d, ContractVersion: c.Version, PolicyVersions: usedPolicies(o, versions),
		RulesVersion: p.opts.Rules.Version(), IntentRequest: req}, nil
}

// errOrderNotSettled: a cancellation whose order has no settlement yet. It
// is not a rejection: the cancellation waits for its order.
var errOrderNotSettled = errors.New("the order of this cancellation is not registered or not settled")

func (p *Pipeline) settleCancel(ctx context.Context, tc *termsCache, d settlement.Date, rec *store.CancellationRecord) (store.SettlementRecord, error) {
	orderRec, err := p.st.Order(ctx, rec.PartnerID, rec.PaymentID)
	if errors.Is(err, store.ErrNotFound) {
		return store.SettlementRecord{}, errOrderNotSettled
	}
	if err != nil {
		return store.SettlementRecord{}, err
	}
	settled, err := p.st.SettlementsOfPayment(ctx, rec.PartnerID, rec.PaymentID)
	if err != nil {
		return store.SettlementRecord{}, err
	}
	var orderSettlement *store.SettlementRecord
	done := map[string]int64{} // cancellation id → settlement id
	for i := range settled {
		s := &settled[i]
		switch s.Transfer.Kind {
		case settlement.KindOrder:
			orderSettlement = s
		case settlement.KindOrderCancel:
			done[string(s.Transfer.CancellationID)] = s.ID
		}
	}
	if orderSettlement == nil {
		return store.SettlementRecord{}, errOrderNotSettled
	}
	// The cancel uses the contract version its order was settled with.
	c, err := tc.contract(ctx, orderSettlement.Transfer.ContractID, orderSettlement.ContractVersion)
	if err != nil {
		return store.SettlementRecord{}, err
	}
	terms, versions := p.terms(tc, c)
	book, err := settlement.NewBook(orderRec.Order, terms)
	if err != nil {
		return store.SettlementRecord{}, err
	}
	prior, err := p.st.CancellationsOfOrder(ctx, rec.PartnerID, rec.PaymentID)
	if err != nil {
		return store.SettlementRecord{}, err
	}
	sort.SliceStable(prior, func(i, j int) bool {
		return done[string(prior[i].Cancellation.CancellationID)] < done[string(prior[j].Cancellation.CancellationID)]
	})
	for _, pc := range prior {
		if _, ok := done[string(pc.Cancellation.CancellationID)]; !ok || pc.Cancellation.CancellationID == rec.Cancellation.CancellationID {
			continue
		}
		if _, err := book.Cancel(pc.Cancellation); err != nil {
			return store.SettlementRecord{}, fmt.Errorf("replaying cancellation %s: %w", pc.Cancellation.CancellationID, err)
		}
	}
	t, err := book.Cancel(rec.Cancellation)
	if err != nil {
		return store.SettlementRecord{}, err
	}
	var body transfer.CreateOrderCancelTransferBody
	if err := json.Unmarshal(rec.Request, &body); err != nil {
		return store.SettlementRecord{}, &settlement.Error{Type: settlement.ErrInvalidRequest, Message: "stored request: " + err.Error()}
	}
	body.ID = string(store.IntentID(rec.PartnerID, rec.PaymentID, settlement.KindOrderCancel, rec.Cancellation.CancellationID))
	// Name the order transfer by the id we gave it: PortOne requires
	// transferId when a payment has several transfers, and it is never wrong.
	body.TransferID = string(store.IntentID(rec.PartnerID, rec.PaymentID, settlement.KindOrder, ""))
	body.PartnerID, body.PaymentID = "", ""
	body.SettlementStartDate = rec.Cancellation.SettlementStartDate.String()
	req, err := json.Marshal(body)
	if err != nil {
		return store.SettlementRecord{}, err
	}
	return store.SettlementRecord{Transfer: t, BusinessDate: d, ContractVersion: c.Version, PolicyVersions: usedPolicies(orderRec.Order, versions),
		RulesVersion: p.opts.Rules.Version(), IntentRequest: req}, nil
}
