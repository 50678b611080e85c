package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/transfer"
)

// transferRec is one stored transfer, kept compact: ids, the packed dates
// its status follows, a pointer to the terms snapshot it was computed with,
// and its request in a compact string (codec.go). Amounts are recomputed
// and the response is rendered on every read, so that the status follows
// the emulator's clock; a cancel keeps its computed amounts, which depend on
// the cancels accepted before it.
type transferRec struct {
	data      string               // id, paymentId and body (transferIndex.newRec)
	partnerID settlement.PartnerID // shares the partner's own id string
	snap      *snapshot            // ORDER, ORDER_CANCEL: contract, policies and terms at creation
	x         *recExtra            // what few transfers have
	no        recNo                // its number in its transferIndex
	// link is, for an ORDER, the next ORDER transfer of the same payment
	// (transferIndex.byPayment) and, for an ORDER_CANCEL, its ORDER.
	link   recNo
	idLen  uint32
	payLen uint32
	start  int32 // packed settlementStartDate (0: none)
	date   int32 // packed settlementDate
	kind   kindCode
}

func (t *transferRec) id() string { return t.data[:t.idLen] }

func (t *transferRec) paymentID() settlement.PaymentID {
	return settlement.PaymentID(t.data[t.idLen : t.idLen+t.payLen])
}

func (t *transferRec) body() string { return t.data[t.idLen+t.payLen:] }

type kindCode uint8

const (
	kindOther kindCode = iota // injected with a type of its own
	kindOrder
	kindCancel
	kindManual
)

// recExtra is what only some transfers carry.
type recExtra struct {
	forced   settlement.TransferStatus // ForceStatus
	cancels  []*transferRec            // ORDER: its ORDER_CANCEL transfers, in the order they were accepted
	injected *transfer.Transfer        // Inject
}

func (t *transferRec) extra() *recExtra {
	if t.x == nil {
		t.x = &recExtra{}
	}
	return t.x
}

func (t *transferRec) injectedWire() *transfer.Transfer {
	if t.x == nil {
		return nil
	}
	return t.x.injected
}

func (t *transferRec) kindName() settlement.Kind {
	switch t.kind {
	case kindOrder:
		return settlement.KindOrder
	case kindCancel:
		return settlement.KindOrderCancel
	case kindManual:
		return settlement.KindManual
	}
	if inj := t.injectedWire(); inj != nil {
		return settlement.Kind(inj.Type)
	}
	return ""
}

func kindCodeOf(k settlement.Kind) kindCode {
	switch k {
	case settlement.KindOrder:
		return kindOrder
	case settlement.KindOrderCancel:
		return kindCancel
	case settlement.KindManual:
		return kindManual
	}
	return kindOther
}

// irregular reports whether t's status is not decided by its dates alone.
func (t *transferRec) irregular() bool {
	return t.x != nil && (t.x.forced != "" || t.x.injected != nil)
}

// cancels returns an ORDER transfer's cancels.
func (t *transferRec) cancels() []*transferRec {
	if t.x == nil {
		return nil
	}
	return t.x.cancels
}

func statusAt(today, start, date int32) settlement.TransferStatus {
	switch {
	case start != 0 && today < start:
		return settlement.StatusScheduled
	case date == 0 || today < date:
		return settlement.StatusInProcess
	}
	return settlement.StatusSettled
}

func (s *Server) today() int32 { return packDate(settlement.DateOf(s.now(), s.loc)) }

// status is t's true status on today.
func (t *transferRec) status(today int32) settlement.TransferStatus {
	if x := t.x; x != nil {
		if x.forced != "" {
			return x.forced
		}
		if x.injected != nil && x.injected.Status != "" {
			return settlement.TransferStatus(x.injected.Status)
		}
	}
	return statusAt(today, t.start, t.date)
}

// order is the domain order of an ORDER transfer, from its body.
func (t *transferRec) order(b *orderBody) settlement.Order {
	o := b.order
	o.PartnerID, o.PaymentID, o.ContractID = t.partnerID, t.paymentID(), t.snap.terms.Contract.ID
	return o
}

// book rebuilds the Book of ORDER transfer t from its order and the cancels
// accepted so far, as settlement.Book asks callers to.
func (t *transferRec) book() (*settlement.Book, error) {
	b, err := decodeOrder(t.body())
	if err != nil {
		return nil, err
	}
	book, err := settlement.NewBook(t.order(&b), t.snap.terms)
	if err != nil {
		return nil, err
	}
	for _, c := range t.cancels() {
		cb, err := decodeCancel(c.body())
		if err == nil {
			_, err = book.Cancel(cb.cancellation)
		}
		if err != nil {
			return nil, fmt.Errorf("replay cancel %s of %s: %w", c.id(), t.id(), err)
		}
	}
	return book, nil
}

// partnerCache parses partners' JSON once per rendering pass.
type partnerCache map[string]*partnerOut

// parse is the partner a transfer's JSON embeds.
func (pc partnerCache) parse(raw json.RawMessage) *partnerOut {
	if p, ok := pc[string(raw)]; ok {
		return p
	}
	p := &partnerOut{}
	_ = json.Unmarshal(raw, p)
	pc[string(raw)] = p
	return p
}

// render is t in PortOne's shape, untampered; callers hold s.mu. computed,
// when not nil, is the ORDER transfer's amounts, just computed.
func (s *Server) render(e *env, t *transferRec, today int32, computed *settlement.Transfer) transfer.Transfer {
	return s.renderAs(e, t, today, computed, false)
}

// renderSummary is what a summary of t needs of render: no order lines,
// discounts or fees, whose rendering is most of render's cost.
func (s *Server) renderSummary(e *env, t *transferRec, today int32) transfer.Transfer {
	return s.renderAs(e, t, today, nil, true)
}

func (s *Server) renderAs(e *env, t *transferRec, today int32, computed *settlement.Transfer, summary bool) transfer.Transfer {
	if inj := t.injectedWire(); inj != nil {
		w := *inj
		if e.partners[string(t.partnerID)] != nil {
			w.Partner = e.partnerRaw(string(t.partnerID))
		}
		w.Status = string(t.status(today))
		return w
	}
	var (
		w   transfer.Transfer
		x   extras
		err error
	)
	switch t.kind {
	case kindManual:
		var m manualBody
		m, err = decodeManual(t.body())
		a, tf := m.amount, m.taxFree
		w = transfer.Transfer{
			Type: string(settlement.KindManual), SettlementDate: m.date.String(),
			SettlementCurrency: m.currency, SettlementAmount: &a, SettlementTaxFreeAmount: &tf,
		}
		x = m.extras
	case kindOrder:
		var b orderBody
		b, err = decodeOrder(t.body())
		if err == nil && computed == nil {
			var book *settlement.Book
			if book, err = settlement.NewBook(t.order(&b), t.snap.terms); err == nil {
				c := book.Order()
				computed = &c
			}
		}
		if err == nil {
			w = s.orderWire(t, *computed, &b.payment, summary)
			w.Parameters = b.extras.params
			x = b.extras
		}
	case kindCancel:
		var (
			b  orderBody
			cb cancelBody
		)
		if b, err = decodeOrder(e.transfers.orderOf(t).body()); err == nil {
			cb, err = decodeCancel(t.body())
		}
		if err == nil {
			w = s.orderWire(t, cb.computed, &b.payment, summary)
			w.Cancellation = &transfer.Cancellation{ID: string(cb.cancellation.CancellationID), CancelledAt: cb.cancelledAt}
			x = cb.extras
		}
	}
	if err != nil {
		// The body was validated and encoded by this package: failing to
		// read it back is a bug, answered as a 500 by serveAPI.
		panic(fmt.Sprintf("transfer %s: %v", t.id(), err))
	}
	w.ID = t.id()
	w.GraphqlID = graphqlID("PlatformTransfer", t.id())
	w.Partner = e.partnerRaw(string(t.partnerID))
	w.Status = string(t.status(today))
	w.Memo = x.memo
	w.IsForTest = e.test
	w.UserDefinedProperties = append([]transfer.UserDefinedProperty{}, x.udp...)
	return w
}

// orderWire is the ORDER or ORDER_CANCEL part of a response; a summary's
// has no lines, discounts or fees.
func (s *Server) orderWire(t *transferRec, computed settlement.Transfer, p *paymentBody, summary bool) transfer.Transfer {
	if summary {
		computed.Lines, computed.Discounts, computed.AdditionalFees = nil, nil, nil
	}
	w := transfer.TransferToWire(computed, t.snap.policies)
	c, pw := t.snap.contract, p.wire(string(t.paymentID()), s.storeID)
	w.Contract, w.Payment = &c, &pw
	w.SettlementCurrency = pw.Currency
	return w
}

// tamper applies the registered tampers to ts, each a deep copy.
func (s *Server) tamper(ts []transfer.Transfer, tampers []func(string, *transfer.Transfer)) {
	if len(tampers) == 0 {
		return
	}
	for i := range ts {
		if b, err := json.Marshal(ts[i]); err == nil {
			var c transfer.Transfer
			if json.Unmarshal(b, &c) == nil {
				ts[i] = c
			}
		}
		pid := ""
		if ts[i].Payment != nil {
			pid = ts[i].Payment.ID
		}
		for _, fn := range tampers {
			fn(pid, &ts[i])
		}
	}
}

func (s *Server) tampersLocked() []func(string, *transfer.Transfer) {
	return slices.Clone(s.tampers)
}

// respondTransfer tampers with wt and answers {transfer: wt}.
func (s *Server) respondTransfer(w http.ResponseWriter, wt transfer.Transfer, tampers []func(string, *transfer.Transfer), wrap bool) {
	ts := []transfer.Transfer{wt}
	s.tamper(ts, tampers)
	out := transferJSON(ts[0])
	if wrap {
		writeJSON(w, http.StatusOK, map[string]any{"transfer": out})
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// ---- create order ----

func (s *Server) createOrder(w http.ResponseWriter, r *http.Request, body []byte) {
	var in transfer.CreateOrderTransferBody
	test, ok := readBody(w, r, body, &in)
	if !ok {
		return
	}
	wt, tampers, aerr := s.commitOrder(test, in)
	if aerr != nil {
		writeErr(w, aerr)
		return
	}
	s.respondTransfer(w, wt, tampers, true)
}

func (s *Server) commitOrder(test bool, in transfer.CreateOrderTransferBody) (transfer.Transfer, []func(string, *transfer.Transfer), *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.env(test)
	now := s.now()
	fail := func(a *apiError) (transfer.Transfer, []func(string, *transfer.Transfer), *apiError) {
		return transfer.Transfer{}, nil, a
	}
	if in.ID != "" && e.transfers.used(in.ID) {
		return fail(newAPIError(http.StatusConflict, "PLATFORM_TRANSFER_ID_ALREADY_USED", "transfer id already used: "+in.ID))
	}
	var paidAt time.Time
	if in.ExternalPaymentDetail == nil {
		paidAt = now // the emulator has no payments: every PortOne payment was paid just now
	}
	order, err := in.Order(paidAt, s.loc)
	if err != nil {
		return fail(fromSettlement(err))
	}
	partner := e.partners[in.PartnerID]
	if partner == nil {
		return fail(notFound("PLATFORM_PARTNER_NOT_FOUND", "partner not found: "+in.PartnerID))
	}
	contractID := in.ContractID
	if contractID == "" {
		contractID = partner.DefaultContractID
	}
	contract := e.contracts.byID[contractID]
	if contract == nil {
		return fail(notFound("PLATFORM_CONTRACT_NOT_FOUND", "contract not found: "+contractID))
	}
	order.ContractID = contractID
	if aerr := e.checkPolicies(order); aerr != nil {
		return fail(aerr)
	}
	if !e.setting.SupportsMultipleOrderTransfersPerPartner {
		for _, t := range e.transfers.orders(order.PaymentID) {
			if t.partnerID == order.PartnerID {
				return fail(newAPIError(http.StatusConflict, "PLATFORM_TRANSFER_ALREADY_EXISTS",
					"an order transfer already exists for this payment and partner",
					"transferId", t.id(), "transferGraphqlId", graphqlID("PlatformTransfer", t.id())))
			}
		}
	}
	snap := s.snapshot(e, contract)
	book, err := settlement.NewBook(order, snap.terms)
	if err != nil {
		return fail(fromSettlement(err))
	}
	id := in.ID
	if id == "" {
		id = s.nextID("transfer")
	}
	computed := book.Order()
	rec := e.transfers.newRec(kindOrder, id, order.PaymentID, encodeOrder(orderBody{
		order: order, payment: paymentBodyOf(in, now),
		extras: extras{memo: in.Memo, udp: in.UserDefinedProperties, params: in.Parameters},
	}))
	rec.partnerID, rec.snap = settlement.PartnerID(partner.ID), snap
	rec.start, rec.date = packDate(computed.SettlementStartDate), packDate(computed.SettlementDate)
	e.transfers.add(rec)
	return s.render(e, rec, s.today(), &computed), s.tampersLocked(), nil
}

// checkPolicies answers 404 for the policies an order names that do not
// exist (discount share policies first), before any other rule.
func (e *env) checkPolicies(o settlement.Order) *apiError {
	var missingD, missingF []string
	addD := func(ds []settlement.Discount) {
		for _, d := range ds {
			if e.dsps.byID[d.SharePolicyID] == nil && !contains(missingD, d.SharePolicyID) {
				missingD = append(missingD, d.SharePolicyID)
			}
		}
	}
	addF := func(ids []string) {
		for _, id := range ids {
			if e.afps.byID[id] == nil && !contains(missingF, id) {
				missingF = append(missingF, id)
			}
		}
	}
	addD(o.Discounts)
	addF(o.AdditionalFees)
	for _, l := range o.Lines {
		addD(l.Discounts)
		addF(l.AdditionalFees)
	}
	if len(missingD) > 0 {
		ids, g := idsAndGraphqlIDs("PlatformDiscountSharePolicy", missingD)
		return newAPIError(http.StatusNotFound, "PLATFORM_DISCOUNT_SHARE_POLICIES_NOT_FOUND", "discount share policies not found", "ids", ids, "graphqlIds", g)
	}
	if len(missingF) > 0 {
		ids, g := idsAndGraphqlIDs("PlatformAdditionalFeePolicy", missingF)
		return newAPIError(http.StatusNotFound, "PLATFORM_ADDITIONAL_FEE_POLICIES_NOT_FOUND", "additional fee policies not found", "ids", ids, "graphqlIds", g)
	}
	return nil
}

// paymentBodyOf is the payment an order transfer reports: the external
// payment the body describes, or a PortOne payment paid now.
func paymentBodyOf(in transfer.CreateOrderTransferBody, now time.Time) paymentBody {
	x := in.ExternalPaymentDetail
	if x == nil {
		return paymentBody{paidAt: now.UnixNano()}
	}
	p := paymentBody{external: true, orderName: x.OrderName, currency: x.Currency, paidAtText: x.PaidAt}
	if p.currency == "" {
		p.currency = "KRW"
	}
	if m := x.Method; m != nil {
		switch {
		case m.Card != nil:
			p.method.Type = "CARD"
		case m.Transfer != nil:
			p.method.Type = "TRANSFER"
		case m.VirtualAccount != nil:
			p.method.Type = "VIRTUAL_ACCOUNT"
		case m.GiftCertificate != nil:
			p.method.Type = "GIFT_CERTIFICATE"
		case m.Mobile != nil:
			p.method.Type = "MOBILE"
		case m.EasyPay != nil:
			p.method = transfer.PaymentMethod{Type: "EASY_PAY", Provider: m.EasyPay.Provider, MethodType: m.EasyPay.MethodType}
		}
	}
	return p
}

// ---- create order-cancel ----

func (s *Server) createCancel(w http.ResponseWriter, r *http.Request, body []byte) {
	var in transfer.CreateOrderCancelTransferBody
	test, ok := readBody(w, r, body, &in)
	if !ok {
		return
	}
	wt, tampers, aerr := s.commitCancel(test, in)
	if aerr != nil {
		writeErr(w, aerr)
		return
	}
	s.respondTransfer(w, wt, tampers, true)
}

func (s *Server) commitCancel(test bool, in transfer.CreateOrderCancelTransferBody) (transfer.Transfer, []func(string, *transfer.Transfer), *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.env(test)
	now := s.now()
	fail := func(a *apiError) (transfer.Transfer, []func(string, *transfer.Transfer), *apiError) {
		return transfer.Transfer{}, nil, a
	}
	if in.ID != "" && e.transfers.used(in.ID) {
		return fail(newAPIError(http.StatusConflict, "PLATFORM_TRANSFER_ID_ALREADY_USED", "transfer id already used: "+in.ID))
	}
	orig, aerr := e.originalOrder(in)
	if aerr != nil {
		return fail(aerr)
	}
	ob, err := decodeOrder(orig.body())
	if err != nil {
		panic(fmt.Sprintf("transfer %s: %v", orig.id(), err))
	}
	if (in.ExternalCancellationDetail != nil) != ob.payment.external {
		return fail(newAPIError(http.StatusBadRequest, "PLATFORM_CANCELLATION_AND_PAYMENT_TYPE_MISMATCHED", "cancellation and payment types differ"))
	}
	for _, c := range orig.cancels() {
		if cb, err := decodeCancel(c.body()); err == nil && cb.cancellation.CancellationID == settlement.CancellationID(in.CancellationID) {
			return fail(newAPIError(http.StatusConflict, "PLATFORM_TRANSFER_ALREADY_EXISTS",
				"a cancel transfer already exists for this cancellation",
				"transferId", c.id(), "transferGraphqlId", graphqlID("PlatformTransfer", c.id())))
		}
	}
	var cancelledAt time.Time
	if in.ExternalCancellationDetail == nil {
		cancelledAt = now // the emulator has no payments: every cancellation happened just now
	}
	c, err := in.Cancellation(cancelledAt, s.loc)
	if err != nil {
		return fail(fromSettlement(err))
	}
	book, err := orig.book()
	if err != nil {
		panic(err.Error()) // accepted once, an order and its cancels replay
	}
	ct, err := book.Cancel(c)
	if err != nil {
		return fail(fromSettlement(err))
	}
	id := in.ID
	if id == "" {
		id = s.nextID("transfer")
	}
	cb := cancelBody{cancellation: c, computed: ct, cancelledAt: now.UTC().Format(time.RFC3339Nano), extras: extras{memo: in.Memo, udp: in.UserDefinedProperties}}
	if x := in.ExternalCancellationDetail; x != nil && x.CancelledAt != "" {
		cb.cancelledAt = x.CancelledAt
	}
	rec := e.transfers.newRec(kindCancel, id, orig.paymentID(), encodeCancel(cb))
	rec.partnerID, rec.snap, rec.link = orig.partnerID, orig.snap, orig.no
	rec.start, rec.date = packDate(ct.SettlementStartDate), packDate(ct.SettlementDate)
	e.transfers.add(rec)
	ox := orig.extra()
	ox.cancels = append(ox.cancels, rec)
	return s.render(e, rec, s.today(), nil), s.tampersLocked(), nil
}

// originalOrder finds the ORDER transfer a cancel refers to.
func (e *env) originalOrder(in transfer.CreateOrderCancelTransferBody) (*transferRec, *apiError) {
	if in.TransferID != "" {
		t := e.transfers.get(in.TransferID)
		if t == nil || t.kind != kindOrder || t.injectedWire() != nil {
			return nil, notFound("PLATFORM_TRANSFER_NOT_FOUND", "order transfer not found: "+in.TransferID)
		}
		return t, nil
	}
	if in.PaymentID == "" {
		return nil, invalidRequest("transferId or paymentId is required")
	}
	var found []*transferRec
	for _, t := range e.transfers.orders(settlement.PaymentID(in.PaymentID)) {
		if t.injectedWire() == nil {
			found = append(found, t)
		}
	}
	switch {
	case len(found) > 1:
		return nil, newAPIError(http.StatusBadRequest, "PLATFORM_CANNOT_SPECIFY_TRANSFER", "the payment has several order transfers: give transferId")
	case len(found) == 0 || (in.PartnerID != "" && string(found[0].partnerID) != in.PartnerID):
		return nil, notFound("PLATFORM_TRANSFER_NOT_FOUND", "order transfer not found for payment "+in.PaymentID)
	}
	return found[0], nil
}

// ---- create manual ----

func (s *Server) createManual(w http.ResponseWriter, r *http.Request, body []byte) {
	var in transfer.CreateManualTransferBody
	test, ok := readBody(w, r, body, &in)
	if !ok {
		return
	}
	wt, tampers, aerr := s.commitManual(test, in)
	if aerr != nil {
		writeErr(w, aerr)
		return
	}
	s.respondTransfer(w, wt, tampers, true)
}

func (s *Server) commitManual(test bool, in transfer.CreateManualTransferBody) (transfer.Transfer, []func(string, *transfer.Transfer), *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.env(test)
	fail := func(a *apiError) (transfer.Transfer, []func(string, *transfer.Transfer), *apiError) {
		return transfer.Transfer{}, nil, a
	}
	if in.ID != "" && e.transfers.used(in.ID) {
		return fail(newAPIError(http.StatusConflict, "PLATFORM_TRANSFER_ID_ALREADY_USED", "transfer id already used: "+in.ID))
	}
	if in.PartnerID == "" {
		return fail(invalidRequest("partnerId: required"))
	}
	date, err := settlement.ParseDate(in.SettlementDate)
	if err != nil {
		return fail(invalidRequest("settlementDate: want yyyy-MM-dd"))
	}
	partner := e.partners[in.PartnerID]
	if partner == nil {
		return fail(notFound("PLATFORM_PARTNER_NOT_FOUND", "partner not found: "+in.PartnerID))
	}
	if in.SettlementAmount < 0 && e.setting.ManualSettlementPerTransfer {
		return fail(newAPIError(http.StatusBadRequest, "PLATFORM_NEGATIVE_AMOUNT_NOT_ALLOWED", "negative manual amounts are not allowed with manualSettlementPerTransfer"))
	}
	id := in.ID
	if id == "" {
		id = s.nextID("transfer")
	}
	m := manualBody{amount: in.SettlementAmount, date: date, currency: in.SettlementCurrency,
		extras: extras{memo: in.Memo, udp: in.UserDefinedProperties}}
	if m.currency == "" {
		m.currency = "KRW"
	}
	if in.SettlementTaxFreeAmount != nil {
		m.taxFree = *in.SettlementTaxFreeAmount
	}
	rec := e.transfers.newRec(kindManual, id, "", encodeManual(m))
	rec.partnerID, rec.date = settlement.PartnerID(partner.ID), packDate(date)
	e.transfers.add(rec)
	return s.render(e, rec, s.today(), nil), s.tampersLocked(), nil
}

// ---- get, delete ----

func (s *Server) getTransfer(w http.ResponseWriter, r *http.Request, _ []byte) {
	test, aerr := testMode(r, nil)
	if aerr != nil {
		writeErr(w, aerr)
		return
	}
	s.mu.Lock()
	e := s.env(test)
	t := e.transfers.get(pathID(r))
	if t == nil {
		s.mu.Unlock()
		writeErr(w, notFound("PLATFORM_TRANSFER_NOT_FOUND", "transfer not found"))
		return
	}
	wt := s.render(e, t, s.today(), nil)
	tampers := s.tampersLocked()
	s.mu.Unlock()
	s.respondTransfer(w, wt, tampers, false)
}

func (s *Server) deleteTransfer(w http.ResponseWriter, r *http.Request, _ []byte) {
	test, aerr := testMode(r, nil)
	if aerr != nil {
		writeErr(w, aerr)
		return
	}
	if aerr := s.remove(test, pathID(r)); aerr != nil {
		writeErr(w, aerr)
		return
	}
	writeJSON(w, http.StatusOK, struct{}{})
}

func (s *Server) remove(test bool, id string) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.env(test)
	t := e.transfers.get(id)
	if t == nil {
		return notFound("PLATFORM_TRANSFER_NOT_FOUND", "transfer not found")
	}
	if st := t.status(s.today()); !st.Deletable() {
		return newAPIError(http.StatusBadRequest, "PLATFORM_TRANSFER_NON_DELETABLE_STATUS", "transfer status "+string(st)+" cannot be deleted")
	}
	if t.kind == kindOrder && len(t.cancels()) > 0 {
		return newAPIError(http.StatusBadRequest, "PLATFORM_CANCEL_ORDER_TRANSFERS_EXISTS", "the order transfer has cancel transfers")
	}
	e.detachCancel(t)
	e.transfers.remove(t, true)
	return nil
}

// detachCancel takes a cancel out of its order's cancels: the order's book,
// rebuilt from the cancels that remain, no longer counts it.
func (e *env) detachCancel(t *transferRec) {
	if t.kind != kindCancel {
		return
	}
	o := e.transfers.orderOf(t)
	o.x.cancels = slices.DeleteFunc(o.x.cancels, func(c *transferRec) bool { return c == t })
}

// ---- test hooks ----

// Inject adds t as if PortOne had it, bypassing every rule: a transfer we
// never intended, for reconciliation tests. The environment is
// t.IsForTest. Missing id, graphqlId and type are filled (type ORDER). If
// t.Partner names a partner the emulator knows ({"id": "..."} is enough),
// responses carry the full partner. An empty Status follows the clock from
// settlementStartDate and settlementDate. A transfer with the id of another
// replaces it. Inject returns the id.
func (s *Server) Inject(t transfer.Transfer) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.env(t.IsForTest)
	if t.ID == "" {
		t.ID = s.nextID("injected")
	}
	if t.GraphqlID == "" {
		t.GraphqlID = graphqlID("PlatformTransfer", t.ID)
	}
	if t.Type == "" {
		t.Type = string(settlement.KindOrder)
	}
	var p struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(t.Partner, &p)
	start, _ := settlement.ParseDate(t.SettlementStartDate)
	date, _ := settlement.ParseDate(t.SettlementDate)
	kind := kindCodeOf(settlement.Kind(t.Type))
	if kind != kindOrder {
		kind = kindOther // only ORDER is looked up by kind; the type stays the injected one
	}
	var pid settlement.PaymentID
	if t.Payment != nil {
		pid = settlement.PaymentID(t.Payment.ID)
	}
	if old := e.transfers.get(t.ID); old != nil {
		e.detachCancel(old)
		e.transfers.remove(old, false)
	}
	rec := e.transfers.newRec(kind, t.ID, pid, "")
	rec.partnerID, rec.x = settlement.PartnerID(p.ID), &recExtra{injected: &t}
	rec.start, rec.date = packDate(start), packDate(date)
	e.transfers.add(rec)
	return t.ID
}

// ForceStatus pins the status of a transfer (e.g. PAYOUT_CONFIRMED, which
// the emulator never reaches by itself); "" returns it to the clock. It
// reports whether the transfer exists.
func (s *Server) ForceStatus(test bool, id string, status settlement.TransferStatus) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	ix := &s.env(test).transfers
	t := ix.get(id)
	if t == nil {
		return false
	}
	ix.regroup(t, func() { t.extra().forced = status })
	return true
}

// Transfers returns every stored transfer of one environment, untampered
// and in creation order, as GET /platform/transfers/{id} would render it
// without tampers.
func (s *Server) Transfers(test bool) []transfer.Transfer {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.env(test)
	today := s.today()
	out := make([]transfer.Transfer, 0, e.transfers.len())
	e.transfers.each(func(t *transferRec) { out = append(out, s.render(e, t, today, nil)) })
	return out
}

// Remaining is what is left to cancel of an ORDER transfer (its Book's
// Remaining), and whether it exists.
func (s *Server) Remaining(test bool, orderTransferID string) (settlement.Amounts, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.env(test).transfers.get(orderTransferID)
	if t == nil || t.kind != kindOrder || t.injectedWire() != nil {
		return settlement.Amounts{}, false
	}
	book, err := t.book()
	if err != nil {
		return settlement.Amounts{}, false
	}
	return book.Remaining(), true
}
