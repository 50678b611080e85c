package emulator

import (
	"encoding/json"
	"maps"
	"math"
	"net/http"
	"slices"
	"strings"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/transfer"
)

// The response shapes below follow the schema's `required` lists exactly:
// every required field is always present (arrays as [], maps as {}), so
// that PortOne's official SDKs decode them as they decode the real API's.

type transferBaseJSON struct {
	Type                  string                         `json:"type"`
	ID                    string                         `json:"id"`
	GraphqlID             string                         `json:"graphqlId"`
	Partner               json.RawMessage                `json:"partner"`
	Status                string                         `json:"status"`
	Memo                  string                         `json:"memo,omitempty"`
	SettlementDate        string                         `json:"settlementDate"`
	SettlementCurrency    transfer.Currency              `json:"settlementCurrency"`
	IsForTest             bool                           `json:"isForTest"`
	UserDefinedProperties []transfer.UserDefinedProperty `json:"userDefinedProperties"`
}

// orderTransferJSON is PlatformOrderTransfer and, with Cancellation,
// PlatformOrderCancelTransfer.
type orderTransferJSON struct {
	transferBaseJSON
	Amount              transfer.SettlementAmount        `json:"amount"`
	Contract            transfer.Contract                `json:"contract"`
	Payment             transfer.Payment                 `json:"payment"`
	SettlementStartDate string                           `json:"settlementStartDate"`
	OrderLines          []transfer.TransferOrderLine     `json:"orderLines"`
	AdditionalFees      []transfer.TransferAdditionalFee `json:"additionalFees"`
	Discounts           []transfer.TransferDiscount      `json:"discounts"`
	Parameters          json.RawMessage                  `json:"parameters"`
	Cancellation        *transfer.Cancellation           `json:"cancellation,omitempty"`
}

// manualTransferJSON is PlatformManualTransfer.
type manualTransferJSON struct {
	transferBaseJSON
	SettlementAmount        int64 `json:"settlementAmount"`
	SettlementTaxFreeAmount int64 `json:"settlementTaxFreeAmount"`
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func amountJSON(a *transfer.SettlementAmount) transfer.SettlementAmount {
	if a == nil {
		return transfer.SettlementAmount{UserDefinedFormulas: map[string]int64{}}
	}
	out := *a
	if out.UserDefinedFormulas == nil {
		out.UserDefinedFormulas = map[string]int64{}
	}
	return out
}

func rawOr(b json.RawMessage, def string) json.RawMessage {
	if len(b) == 0 || string(b) == "null" {
		return json.RawMessage(def)
	}
	return b
}

// transferJSON is the encodable form of a PlatformTransfer branch.
func transferJSON(t transfer.Transfer) any {
	base := transferBaseJSON{
		Type: t.Type, ID: t.ID, GraphqlID: t.GraphqlID, Partner: rawOr(t.Partner, "{}"), Status: t.Status,
		Memo: t.Memo, SettlementDate: t.SettlementDate, SettlementCurrency: t.SettlementCurrency,
		IsForTest: t.IsForTest, UserDefinedProperties: orEmpty(t.UserDefinedProperties),
	}
	if base.SettlementCurrency == "" {
		base.SettlementCurrency = "KRW"
	}
	if t.Type == string(settlement.KindManual) {
		m := manualTransferJSON{transferBaseJSON: base}
		if t.SettlementAmount != nil {
			m.SettlementAmount = *t.SettlementAmount
		}
		if t.SettlementTaxFreeAmount != nil {
			m.SettlementTaxFreeAmount = *t.SettlementTaxFreeAmount
		}
		return m
	}
	o := orderTransferJSON{
		transferBaseJSON:    base,
		Amount:              amountJSON(t.Amount),
		SettlementStartDate: t.SettlementStartDate,
		OrderLines:          make([]transfer.TransferOrderLine, 0, len(t.OrderLines)),
		AdditionalFees:      orEmpty(t.AdditionalFees),
		Discounts:           orEmpty(t.Discounts),
		Parameters:          rawOr(t.Parameters, "{}"),
	}
	if t.Contract != nil {
		o.Contract = *t.Contract
	}
	if t.Payment != nil {
		o.Payment = *t.Payment
	}
	for _, l := range t.OrderLines {
		l.Discounts = orEmpty(l.Discounts)
		l.AdditionalFees = orEmpty(l.AdditionalFees)
		l.Amount = amountJSON(&l.Amount)
		o.OrderLines = append(o.OrderLines, l)
	}
	if t.Type == string(settlement.KindOrderCancel) {
		c := transfer.Cancellation{}
		if t.Cancellation != nil {
			c = *t.Cancellation
		}
		o.Cancellation = &c
	}
	return o
}

// ---- summaries ----

type summaryPartnerJSON struct {
	ID                    string                         `json:"id"`
	GraphqlID             string                         `json:"graphqlId"`
	Name                  string                         `json:"name"`
	Type                  string                         `json:"type"`
	TaxationType          string                         `json:"taxationType,omitempty"`
	UserDefinedProperties []transfer.UserDefinedProperty `json:"userDefinedProperties"`
}

type summaryPaymentJSON struct {
	Type       string            `json:"type"`
	ID         string            `json:"id"`
	OrderName  string            `json:"orderName,omitempty"`
	Currency   transfer.Currency `json:"currency"`
	MethodType string            `json:"methodType,omitempty"`
}

type summaryBaseJSON struct {
	Type                         string                         `json:"type"`
	ID                           string                         `json:"id"`
	GraphqlID                    string                         `json:"graphqlId"`
	Partner                      summaryPartnerJSON             `json:"partner"`
	Status                       string                         `json:"status"`
	Memo                         string                         `json:"memo,omitempty"`
	SettlementDate               string                         `json:"settlementDate"`
	SettlementCurrency           transfer.Currency              `json:"settlementCurrency"`
	IsForTest                    bool                           `json:"isForTest"`
	PartnerUserDefinedProperties []transfer.UserDefinedProperty `json:"partnerUserDefinedProperties"`
	UserDefinedProperties        []transfer.UserDefinedProperty `json:"userDefinedProperties"`
}

// orderSummaryJSON is PlatformOrderTransferSummary and PlatformOrderCancelTransferSummary.
type orderSummaryJSON struct {
	summaryBaseJSON
	StoreID             string                    `json:"storeId"`
	Contract            json.RawMessage           `json:"contract"`
	Amount              transfer.SettlementAmount `json:"amount"`
	Payment             summaryPaymentJSON        `json:"payment"`
	SettlementStartDate string                    `json:"settlementStartDate"`
}

// manualSummaryJSON is PlatformManualTransferSummary.
type manualSummaryJSON struct {
	summaryBaseJSON
	SettlementAmount        int64 `json:"settlementAmount"`
	SettlementTaxFreeAmount int64 `json:"settlementTaxFreeAmount"`
}

// summaryJSON is t as a summary; p is the partner t embeds and contract,
// when not nil, t.Contract's JSON.
func summaryJSON(t transfer.Transfer, p *partnerOut, contract json.RawMessage, storeID string) any {
	udp := make([]transfer.UserDefinedProperty, 0, len(p.UserDefinedProperties))
	for _, k := range slices.Sorted(maps.Keys(p.UserDefinedProperties)) {
		b, _ := json.Marshal(p.UserDefinedProperties[k])
		udp = append(udp, transfer.UserDefinedProperty{Key: k, Value: b})
	}
	ptype := p.Type.Type
	if ptype == "" {
		ptype = "BUSINESS"
	}
	base := summaryBaseJSON{
		Type: t.Type, ID: t.ID, GraphqlID: t.GraphqlID,
		Partner: summaryPartnerJSON{
			ID: p.ID, GraphqlID: p.GraphqlID, Name: p.Name, Type: ptype,
			TaxationType: p.Type.TaxationType, UserDefinedProperties: udp,
		},
		Status: t.Status, Memo: t.Memo, SettlementDate: t.SettlementDate,
		SettlementCurrency: t.SettlementCurrency, IsForTest: t.IsForTest,
		PartnerUserDefinedProperties: udp, UserDefinedProperties: orEmpty(t.UserDefinedProperties),
	}
	if base.SettlementCurrency == "" {
		base.SettlementCurrency = "KRW"
	}
	if t.Type == string(settlement.KindManual) {
		m := manualSummaryJSON{summaryBaseJSON: base}
		if t.SettlementAmount != nil {
			m.SettlementAmount = *t.SettlementAmount
		}
		if t.SettlementTaxFreeAmount != nil {
			m.SettlementTaxFreeAmount = *t.SettlementTaxFreeAmount
		}
		return m
	}
	o := orderSummaryJSON{summaryBaseJSON: base, StoreID: storeID, Amount: amountJSON(t.Amount), SettlementStartDate: t.SettlementStartDate, Contract: contract}
	if o.Contract == nil {
		var c transfer.Contract
		if t.Contract != nil {
			c = *t.Contract
		}
		o.Contract, _ = json.Marshal(c)
	}
	if pm := t.Payment; pm != nil {
		o.Payment = summaryPaymentJSON{Type: pm.Type, ID: pm.ID, OrderName: pm.OrderName, Currency: pm.Currency}
		if pm.Method != nil {
			o.Payment.MethodType = pm.Method.Type
		}
		if pm.StoreID != "" {
			o.StoreID = pm.StoreID
		}
	}
	if o.Payment.Type == "PORT_ONE" && o.Payment.OrderName == "" {
		o.Payment.OrderName = "order " + o.Payment.ID
	}
	return o
}

type dateRange struct {
	From  string `json:"from"`
	Until string `json:"until"`
}

func (d *dateRange) has(date string) bool {
	return d == nil || (date >= d.From && (d.Until == "" || date <= d.Until))
}

// transferFilter is PlatformTransferFilterInput, plus partnerIds (which
// the schema does not have; the emulator accepts it for convenience).
type transferFilter struct {
	SettlementStartDateRange *dateRange `json:"settlementStartDateRange"`
	SettlementDateRange      *dateRange `json:"settlementDateRange"`
	PartnerTags              []string   `json:"partnerTags"`
	ContractIDs              []string   `json:"contractIds"`
	DiscountSharePolicyIDs   []string   `json:"discountSharePolicyIds"`
	AdditionalFeePolicyIDs   []string   `json:"additionalFeePolicyIds"`
	PaymentMethodTypes       []string   `json:"paymentMethodTypes"`
	ChannelKeys              []string   `json:"channelKeys"`
	Types                    []string   `json:"types"`
	Statuses                 []string   `json:"statuses"`
	PartnerIDs               []string   `json:"partnerIds"`
	UserDefinedProperty      *struct {
		Key   string `json:"key"`
		Value string `json:"value"`
	} `json:"userDefinedProperty"`
	Keyword *struct {
		All          string `json:"all"`
		PaymentID    string `json:"paymentId"`
		TransferID   string `json:"transferId"`
		TransferMemo string `json:"transferMemo"`
		ProductID    string `json:"productId"`
		ProductName  string `json:"productName"`
		PartnerID    string `json:"partnerId"`
		PartnerName  string `json:"partnerName"`
		PartnerMemo  string `json:"partnerMemo"`
	} `json:"keyword"`
}

// match is the filter on a rendered (and tampered) transfer whose partner is p.
func (f *transferFilter) match(t transfer.Transfer, p *partnerOut) bool {
	paymentID, method, channel, contractID := "", "", "", ""
	if t.Payment != nil {
		paymentID, channel = t.Payment.ID, t.Payment.ChannelKey
		if t.Payment.Method != nil {
			method = t.Payment.Method.Type
		}
	}
	if t.Contract != nil {
		contractID = t.Contract.ID
	}
	if !f.SettlementStartDateRange.has(t.SettlementStartDate) || !f.SettlementDateRange.has(t.SettlementDate) {
		return false
	}
	for _, c := range []struct {
		want []string
		have string
	}{
		{f.ContractIDs, contractID}, {f.PaymentMethodTypes, method}, {f.ChannelKeys, channel},
		{f.Types, t.Type}, {f.Statuses, t.Status}, {f.PartnerIDs, p.ID},
	} {
		if len(c.want) > 0 && !contains(c.want, c.have) {
			return false
		}
	}
	if len(f.PartnerTags) > 0 && !anyIn(f.PartnerTags, p.Tags) {
		return false
	}
	var dsps, afps, pids, pnames []string
	for _, d := range t.Discounts {
		dsps = append(dsps, d.SharePolicy.ID)
	}
	for _, a := range t.AdditionalFees {
		afps = append(afps, a.Policy.ID)
	}
	for _, l := range t.OrderLines {
		pids, pnames = append(pids, l.Product.ID), append(pnames, l.Product.Name)
		for _, d := range l.Discounts {
			dsps = append(dsps, d.SharePolicy.ID)
		}
		for _, a := range l.AdditionalFees {
			afps = append(afps, a.Policy.ID)
		}
	}
	if len(f.DiscountSharePolicyIDs) > 0 && !anyIn(f.DiscountSharePolicyIDs, dsps) {
		return false
	}
	if len(f.AdditionalFeePolicyIDs) > 0 && !anyIn(f.AdditionalFeePolicyIDs, afps) {
		return false
	}
	if u := f.UserDefinedProperty; u != nil {
		ok := false
		for _, kv := range t.UserDefinedProperties {
			var v udpValue
			_ = json.Unmarshal(kv.Value, &v)
			ok = ok || (kv.Key == u.Key && v.String == u.Value)
		}
		if !ok {
			return false
		}
	}
	if k := f.Keyword; k != nil {
		checks := []struct {
			want string
			have []string
		}{
			{k.PaymentID, []string{paymentID}}, {k.TransferID, []string{t.ID}}, {k.TransferMemo, []string{t.Memo}},
			{k.ProductID, pids}, {k.ProductName, pnames}, {k.PartnerID, []string{p.ID}},
			{k.PartnerName, []string{p.Name}}, {k.PartnerMemo, []string{p.Memo}},
		}
		for _, c := range checks {
			if c.want != "" && !anyContains(c.have, c.want) {
				return false
			}
		}
		if k.All != "" {
			all := append([]string{paymentID, t.ID, t.Memo, p.ID, p.Name, p.Memo}, append(pids, pnames...)...)
			if !anyContains(all, k.All) {
				return false
			}
		}
	}
	return true
}

func anyIn(want, have []string) bool {
	for _, h := range have {
		if contains(want, h) {
			return true
		}
	}
	return false
}

func anyContains(have []string, want string) bool {
	for _, h := range have {
		if strings.Contains(h, want) {
			return true
		}
	}
	return false
}

func (s *Server) listSummaries(w http.ResponseWriter, r *http.Request, body []byte) {
	var f transferFilter
	lr, aerr := parseList(r, body, &f)
	if aerr != nil {
		writeErr(w, aerr)
		return
	}
	if f.SettlementStartDateRange != nil && f.SettlementDateRange != nil {
		writeErr(w, invalidRequest("filter: at most one of settlementStartDateRange and settlementDateRange"))
		return
	}
	test, aerr := testMode(r, listBody(r, body))
	if aerr != nil {
		writeErr(w, aerr)
		return
	}
	num, size, aerr := pageOf(lr.Page, s.opts.DefaultPageSize)
	if aerr != nil {
		writeErr(w, aerr)
		return
	}
	skip := num * size
	if num > 0 && skip/num != size {
		skip = math.MaxInt // past any end
	}
	pc := partnerCache{}
	var (
		items []any
		total int
	)
	s.mu.Lock()
	e := s.env(test)
	today := s.today()
	if tampers := s.tampersLocked(); len(tampers) > 0 {
		// Tampers run without the lock, on every transfer: a tamper may
		// move one into the filter's date range.
		var all []transfer.Transfer
		e.transfers.candidates(&f, true, func(t *transferRec) { all = append(all, s.render(e, t, today, nil)) })
		s.mu.Unlock()
		s.tamper(all, tampers)
		var page []transfer.Transfer
		page, total = matchPage(all, &f, pc, skip, size)
		for _, t := range page {
			items = append(items, summaryJSON(t, pc.parse(t.Partner), nil, s.storeID))
		}
	} else {
		var recs []*transferRec
		var page []transfer.Transfer
		if f.indexed() {
			recs, total = e.transfers.indexedPage(&f, today, skip, size)
			for _, t := range recs {
				page = append(page, s.renderSummary(e, t, today))
			}
		} else {
			recs, page, total = s.matchedPage(e, &f, today, pc, skip, size)
		}
		for i, t := range recs {
			items = append(items, s.summary(e, t, page[i], pc))
		}
		s.mu.Unlock()
	}
	if items == nil {
		items = []any{}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"transferSummaries": items,
		"page":              transfer.PageInfo{Number: num, Size: size, TotalCount: total},
	})
}

// summary is untampered transfer t, rendered as w, as a summary; callers
// hold s.mu. The partner and the contract come from state rather than from
// w's JSON: the same values, without decoding and encoding them again.
func (s *Server) summary(e *env, t *transferRec, w transfer.Transfer, pc partnerCache) any {
	var p *partnerOut
	if t.injectedWire() == nil {
		p = e.partners[string(t.partnerID)]
	}
	if p == nil {
		p = pc.parse(w.Partner)
	}
	var contract json.RawMessage
	if t.snap != nil && t.injectedWire() == nil {
		contract = t.snap.contractJSON()
	}
	return summaryJSON(w, p, contract, s.storeID)
}

// matchedPage serves a filter the index cannot decide alone: each candidate
// (the date range's transfers, or all) that mayMatch admits is rendered and
// matched as PortOne's filters see the response. Callers hold s.mu.
func (s *Server) matchedPage(e *env, f *transferFilter, today int32, pc partnerCache, skip, size int) ([]*transferRec, []transfer.Transfer, int) {
	p := pager[transfer.Transfer]{skip: skip, size: size}
	var recs []*transferRec
	e.transfers.candidates(f, false, func(t *transferRec) {
		if !f.mayMatch(t, today) {
			return
		}
		if w := s.render(e, t, today, nil); f.match(w, pc.parse(w.Partner)) && p.takeOne(w) {
			recs = append(recs, t)
		}
	})
	return recs, p.page, p.total
}

// matchPage pages the rendered transfers that f matches.
func matchPage(all []transfer.Transfer, f *transferFilter, pc partnerCache, skip, size int) ([]transfer.Transfer, int) {
	p := pager[transfer.Transfer]{skip: skip, size: size}
	for _, t := range all {
		if f.match(t, pc.parse(t.Partner)) {
			p.takeOne(t)
		}
	}
	return p.page, p.total
}

// mayMatch rejects, without rendering, an untampered transfer that f's
// types, statuses, partner ids, contract ids or id keywords exclude. The
// rendered transfer is matched in full afterwards.
func (f *transferFilter) mayMatch(t *transferRec, today int32) bool {
	if t.injectedWire() != nil {
		return true
	}
	if !f.admits(t.kindName(), t.status(today)) || !oneOf(f.PartnerIDs, string(t.partnerID)) {
		return false
	}
	contractID := "" // as a MANUAL transfer renders it
	if t.snap != nil {
		contractID = t.snap.contract.ID
	}
	if !oneOf(f.ContractIDs, contractID) {
		return false
	}
	if k := f.Keyword; k != nil {
		return has(string(t.paymentID()), k.PaymentID) && has(t.id(), k.TransferID) && has(string(t.partnerID), k.PartnerID)
	}
	return true
}
