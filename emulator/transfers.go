package emulator

import (
	"encoding/json"
	"net/http"
	"slices"
	"time"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/transfer"
)

// transferRec is one stored transfer. Amounts and dates are kept as the
// settlement package computed them; the response is rendered on every read
// so that the status follows the emulator's clock.
type transferRec struct {
	kind      settlement.Kind
	id        string
	partnerID string
	paymentID string
	contract  transfer.Contract // snapshot at creation
	payment   transfer.Payment
	policies  transfer.Policies // snapshot of the referenced policies
	computed  settlement.Transfer
	memo      string
	udp       []transfer.UserDefinedProperty
	params    json.RawMessage
	forced    settlement.TransferStatus // ForceStatus

	// ORDER
	order   settlement.Order
	terms   settlement.Terms
	book    *settlement.Book
	cancels []string // its ORDER_CANCEL transfers

	// ORDER_CANCEL
	orderID      string
	cancellation settlement.Cancellation
	cancelWire   transfer.Cancellation

	// MANUAL
	manualAmount  int64
	manualTaxFree int64
	manualDate    settlement.Date
	currency      transfer.Currency

	injected *transfer.Transfer
}

func statusOn(today, start, date settlement.Date) settlement.TransferStatus {
	switch {
	case !start.IsZero() && today.Before(start):
		return settlement.StatusScheduled
	case date.IsZero() || today.Before(date):
		return settlement.StatusInProcess
	}
	return settlement.StatusSettled
}

func (s *Server) today() settlement.Date { return settlement.DateOf(s.now(), s.loc) }

// status is t's true status on today.
func (t *transferRec) status(today settlement.Date) settlement.TransferStatus {
	switch {
	case t.forced != "":
		return t.forced
	case t.injected != nil:
		if t.injected.Status != "" {
			return settlement.TransferStatus(t.injected.Status)
		}
		start, _ := settlement.ParseDate(t.injected.SettlementStartDate)
		date, _ := settlement.ParseDate(t.injected.SettlementDate)
		return statusOn(today, start, date)
	case t.kind == settlement.KindManual:
		return statusOn(today, settlement.Date{}, t.manualDate)
	}
	return statusOn(today, t.computed.SettlementStartDate, t.computed.SettlementDate)
}

// partnerCache marshals each partner once per rendering pass.
type partnerCache map[string]json.RawMessage

func (pc partnerCache) get(e *env, id string) json.RawMessage {
	if b, ok := pc[id]; ok {
		return b
	}
	var b json.RawMessage
	if p := e.partners[id]; p != nil {
		b, _ = json.Marshal(p)
	} else {
		b, _ = json.Marshal(map[string]string{"id": id})
	}
	pc[id] = b
	return b
}

// render is t in PortOne's shape, untampered; callers hold s.mu.
func (s *Server) render(e *env, t *transferRec, today settlement.Date, pc partnerCache) transfer.Transfer {
	if t.injected != nil {
		w := *t.injected
		if e.partners[t.partnerID] != nil {
			w.Partner = pc.get(e, t.partnerID)
		}
		w.Status = string(t.status(today))
		return w
	}
	var w transfer.Transfer
	switch t.kind {
	case settlement.KindManual:
		a, tf := t.manualAmount, t.manualTaxFree
		w = transfer.Transfer{
			Type: string(settlement.KindManual), SettlementDate: t.manualDate.String(),
			SettlementCurrency: t.currency, SettlementAmount: &a, SettlementTaxFreeAmount: &tf,
		}
	default:
		w = transfer.TransferToWire(t.computed, t.policies)
		c, p := t.contract, t.payment
		w.Contract, w.Payment = &c, &p
		w.SettlementCurrency = p.Currency
		w.Parameters = t.params
		if t.kind == settlement.KindOrderCancel {
			cw := t.cancelWire
			w.Cancellation = &cw
		}
	}
	w.ID = t.id
	w.GraphqlID = graphqlID("PlatformTransfer", t.id)
	w.Partner = pc.get(e, t.partnerID)
	w.Status = string(t.status(today))
	w.Memo = t.memo
	w.IsForTest = e.test
	w.UserDefinedProperties = append([]transfer.UserDefinedProperty{}, t.udp...)
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
	if in.ID != "" && e.usedIDs[in.ID] {
		return transfer.Transfer{}, nil, newAPIError(http.StatusConflict, "PLATFORM_TRANSFER_ID_ALREADY_USED", "transfer id already used: "+in.ID)
	}
	var paidAt time.Time
	if in.ExternalPaymentDetail == nil {
		paidAt = now // the emulator has no payments: every PortOne payment was paid just now
	}
	order, err := in.Order(paidAt, s.loc)
	if err != nil {
		return transfer.Transfer{}, nil, fromSettlement(err)
	}
	partner := e.partners[in.PartnerID]
	if partner == nil {
		return transfer.Transfer{}, nil, notFound("PLATFORM_PARTNER_NOT_FOUND", "partner not found: "+in.PartnerID)
	}
	contractID := in.ContractID
	if contractID == "" {
		contractID = partner.DefaultContractID
	}
	contract := e.contracts.byID[contractID]
	if contract == nil {
		return transfer.Transfer{}, nil, notFound("PLATFORM_CONTRACT_NOT_FOUND", "contract not found: "+contractID)
	}
	order.ContractID = contractID
	pols, aerr := s.referencedPolicies(e, order)
	if aerr != nil {
		return transfer.Transfer{}, nil, aerr
	}
	if !e.setting.SupportsMultipleOrderTransfersPerPartner {
		for _, id := range e.transferIDs {
			t := e.transfers[id]
			if t.kind == settlement.KindOrder && t.paymentID == in.PaymentID && t.partnerID == in.PartnerID {
				return transfer.Transfer{}, nil, newAPIError(http.StatusConflict, "PLATFORM_TRANSFER_ALREADY_EXISTS",
					"an order transfer already exists for this payment and partner",
					"transferId", t.id, "transferGraphqlId", graphqlID("PlatformTransfer", t.id))
			}
		}
	}
	terms := s.terms(e, contract.v)
	book, err := settlement.NewBook(order, terms)
	if err != nil {
		return transfer.Transfer{}, nil, fromSettlement(err)
	}
	id := in.ID
	if id == "" {
		id = s.nextID("transfer")
	}
	rec := &transferRec{
		kind: settlement.KindOrder, id: id, partnerID: in.PartnerID, paymentID: in.PaymentID,
		contract: wireContract(contract, test), payment: s.paymentOf(in, now), policies: pols,
		computed: book.Order(), memo: in.Memo, udp: in.UserDefinedProperties, params: in.Parameters,
		order: order, terms: terms, book: book,
	}
	e.add(rec)
	return s.render(e, rec, s.today(), partnerCache{}), s.tampersLocked(), nil
}

func (e *env) add(t *transferRec) {
	e.transfers[t.id] = t
	e.transferIDs = append(e.transferIDs, t.id)
	e.usedIDs[t.id] = true
}

// referencedPolicies checks that every policy the order names exists and
// snapshots them for the response.
func (s *Server) referencedPolicies(e *env, o settlement.Order) (transfer.Policies, *apiError) {
	pols := transfer.Policies{Discount: map[string]transfer.DiscountSharePolicy{}, Fee: map[string]transfer.AdditionalFeePolicy{}}
	var missingD, missingF []string
	addD := func(ds []settlement.Discount) {
		for _, d := range ds {
			if p := e.dsps.byID[d.SharePolicyID]; p != nil {
				pols.Discount[d.SharePolicyID] = wireDSP(p, e.test)
			} else if !contains(missingD, d.SharePolicyID) {
				missingD = append(missingD, d.SharePolicyID)
			}
		}
	}
	addF := func(ids []string) {
		for _, id := range ids {
			if p := e.afps.byID[id]; p != nil {
				pols.Fee[id] = wireAFP(p, e.test)
			} else if !contains(missingF, id) {
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
		return pols, newAPIError(http.StatusNotFound, "PLATFORM_DISCOUNT_SHARE_POLICIES_NOT_FOUND", "discount share policies not found", "ids", ids, "graphqlIds", g)
	}
	if len(missingF) > 0 {
		ids, g := idsAndGraphqlIDs("PlatformAdditionalFeePolicy", missingF)
		return pols, newAPIError(http.StatusNotFound, "PLATFORM_ADDITIONAL_FEE_POLICIES_NOT_FOUND", "additional fee policies not found", "ids", ids, "graphqlIds", g)
	}
	return pols, nil
}

func (s *Server) paymentOf(in transfer.CreateOrderTransferBody, now time.Time) transfer.Payment {
	if x := in.ExternalPaymentDetail; x != nil {
		p := transfer.Payment{Type: "EXTERNAL", ID: in.PaymentID, OrderName: x.OrderName, Currency: x.Currency, PaidAt: x.PaidAt}
		if p.Currency == "" {
			p.Currency = "KRW"
		}
		if m := x.Method; m != nil {
			pm := &transfer.PaymentMethod{}
			switch {
			case m.Card != nil:
				pm.Type = "CARD"
			case m.Transfer != nil:
				pm.Type = "TRANSFER"
			case m.VirtualAccount != nil:
				pm.Type = "VIRTUAL_ACCOUNT"
			case m.GiftCertificate != nil:
				pm.Type = "GIFT_CERTIFICATE"
			case m.Mobile != nil:
				pm.Type = "MOBILE"
			case m.EasyPay != nil:
				pm.Type, pm.Provider, pm.MethodType = "EASY_PAY", m.EasyPay.Provider, m.EasyPay.MethodType
			}
			if pm.Type != "" {
				p.Method = pm
			}
		}
		return p
	}
	return transfer.Payment{
		Type: "PORT_ONE", ID: in.PaymentID, StoreID: s.storeID, ChannelKey: "channel-key-emulator",
		OrderName: "order " + in.PaymentID, Method: &transfer.PaymentMethod{Type: "CARD"},
		Currency: "KRW", PaidAt: now.UTC().Format(time.RFC3339Nano),
	}
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
	if in.ID != "" && e.usedIDs[in.ID] {
		return fail(newAPIError(http.StatusConflict, "PLATFORM_TRANSFER_ID_ALREADY_USED", "transfer id already used: "+in.ID))
	}
	orig, aerr := e.originalOrder(in)
	if aerr != nil {
		return fail(aerr)
	}
	if (in.ExternalCancellationDetail != nil) != (orig.payment.Type == "EXTERNAL") {
		return fail(newAPIError(http.StatusBadRequest, "PLATFORM_CANCELLATION_AND_PAYMENT_TYPE_MISMATCHED", "cancellation and payment types differ"))
	}
	for _, cid := range orig.cancels {
		if c := e.transfers[cid]; c != nil && c.cancellation.CancellationID == settlement.CancellationID(in.CancellationID) {
			return fail(newAPIError(http.StatusConflict, "PLATFORM_TRANSFER_ALREADY_EXISTS",
				"a cancel transfer already exists for this cancellation",
				"transferId", c.id, "transferGraphqlId", graphqlID("PlatformTransfer", c.id)))
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
	ct, err := orig.book.Cancel(c)
	if err != nil {
		return fail(fromSettlement(err))
	}
	id := in.ID
	if id == "" {
		id = s.nextID("transfer")
	}
	cw := transfer.Cancellation{ID: in.CancellationID, CancelledAt: now.UTC().Format(time.RFC3339Nano)}
	if x := in.ExternalCancellationDetail; x != nil && x.CancelledAt != "" {
		cw.CancelledAt = x.CancelledAt
	}
	rec := &transferRec{
		kind: settlement.KindOrderCancel, id: id, partnerID: orig.partnerID, paymentID: orig.paymentID,
		contract: orig.contract, payment: orig.payment, policies: orig.policies, computed: ct,
		memo: in.Memo, udp: in.UserDefinedProperties, params: nil,
		orderID: orig.id, cancellation: c, cancelWire: cw,
	}
	e.add(rec)
	orig.cancels = append(orig.cancels, id)
	return s.render(e, rec, s.today(), partnerCache{}), s.tampersLocked(), nil
}

// originalOrder finds the ORDER transfer a cancel refers to.
func (e *env) originalOrder(in transfer.CreateOrderCancelTransferBody) (*transferRec, *apiError) {
	if in.TransferID != "" {
		t := e.transfers[in.TransferID]
		if t == nil || t.kind != settlement.KindOrder || t.injected != nil {
			return nil, notFound("PLATFORM_TRANSFER_NOT_FOUND", "order transfer not found: "+in.TransferID)
		}
		return t, nil
	}
	if in.PaymentID == "" {
		return nil, invalidRequest("transferId or paymentId is required")
	}
	var found []*transferRec
	for _, id := range e.transferIDs {
		t := e.transfers[id]
		if t.kind == settlement.KindOrder && t.injected == nil && t.paymentID == in.PaymentID {
			found = append(found, t)
		}
	}
	switch {
	case len(found) > 1:
		return nil, newAPIError(http.StatusBadRequest, "PLATFORM_CANNOT_SPECIFY_TRANSFER", "the payment has several order transfers: give transferId")
	case len(found) == 0 || (in.PartnerID != "" && found[0].partnerID != in.PartnerID):
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
	if in.ID != "" && e.usedIDs[in.ID] {
		return fail(newAPIError(http.StatusConflict, "PLATFORM_TRANSFER_ID_ALREADY_USED", "transfer id already used: "+in.ID))
	}
	if in.PartnerID == "" {
		return fail(invalidRequest("partnerId: required"))
	}
	date, err := settlement.ParseDate(in.SettlementDate)
	if err != nil {
		return fail(invalidRequest("settlementDate: want yyyy-MM-dd"))
	}
	if e.partners[in.PartnerID] == nil {
		return fail(notFound("PLATFORM_PARTNER_NOT_FOUND", "partner not found: "+in.PartnerID))
	}
	if in.SettlementAmount < 0 && e.setting.ManualSettlementPerTransfer {
		return fail(newAPIError(http.StatusBadRequest, "PLATFORM_NEGATIVE_AMOUNT_NOT_ALLOWED", "negative manual amounts are not allowed with manualSettlementPerTransfer"))
	}
	id := in.ID
	if id == "" {
		id = s.nextID("transfer")
	}
	cur := in.SettlementCurrency
	if cur == "" {
		cur = "KRW"
	}
	rec := &transferRec{
		kind: settlement.KindManual, id: id, partnerID: in.PartnerID, memo: in.Memo, udp: in.UserDefinedProperties,
		manualAmount: in.SettlementAmount, manualDate: date, currency: cur,
	}
	if in.SettlementTaxFreeAmount != nil {
		rec.manualTaxFree = *in.SettlementTaxFreeAmount
	}
	e.add(rec)
	return s.render(e, rec, s.today(), partnerCache{}), s.tampersLocked(), nil
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
	t := e.transfers[pathID(r)]
	if t == nil {
		s.mu.Unlock()
		writeErr(w, notFound("PLATFORM_TRANSFER_NOT_FOUND", "transfer not found"))
		return
	}
	wt := s.render(e, t, s.today(), partnerCache{})
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
	t := e.transfers[id]
	if t == nil {
		return notFound("PLATFORM_TRANSFER_NOT_FOUND", "transfer not found")
	}
	if !t.status(s.today()).Deletable() {
		return newAPIError(http.StatusBadRequest, "PLATFORM_TRANSFER_NON_DELETABLE_STATUS", "transfer status "+string(t.status(s.today()))+" cannot be deleted")
	}
	if t.kind == settlement.KindOrder && len(t.cancels) > 0 {
		return newAPIError(http.StatusBadRequest, "PLATFORM_CANCEL_ORDER_TRANSFERS_EXISTS", "the order transfer has cancel transfers")
	}
	if t.kind == settlement.KindOrderCancel {
		if o := e.transfers[t.orderID]; o != nil {
			o.cancels = slices.DeleteFunc(o.cancels, func(c string) bool { return c == id })
			// Rebuild the order's book from the order and the cancels that remain.
			if b, err := settlement.NewBook(o.order, o.terms); err == nil {
				for _, cid := range o.cancels {
					if c := e.transfers[cid]; c != nil {
						_, _ = b.Cancel(c.cancellation)
					}
				}
				o.book = b
			}
		}
	}
	delete(e.transfers, id)
	e.transferIDs = slices.DeleteFunc(e.transferIDs, func(x string) bool { return x == id })
	return nil
}

// ---- test hooks ----

// Inject adds t as if PortOne had it, bypassing every rule: a transfer we
// never intended, for reconciliation tests. The environment is
// t.IsForTest. Missing id, graphqlId and type are filled (type ORDER). If
// t.Partner names a partner the emulator knows ({"id": "..."} is enough),
// responses carry the full partner. An empty Status follows the clock from
// settlementStartDate and settlementDate. Inject returns the id.
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
	rec := &transferRec{kind: settlement.Kind(t.Type), id: t.ID, partnerID: p.ID, injected: &t}
	if t.Payment != nil {
		rec.paymentID = t.Payment.ID
	}
	if old := e.transfers[t.ID]; old != nil {
		e.transferIDs = slices.DeleteFunc(e.transferIDs, func(x string) bool { return x == t.ID })
	}
	e.add(rec)
	return t.ID
}

// ForceStatus pins the status of a transfer (e.g. PAYOUT_CONFIRMED, which
// the emulator never reaches by itself); "" returns it to the clock. It
// reports whether the transfer exists.
func (s *Server) ForceStatus(test bool, id string, status settlement.TransferStatus) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.env(test).transfers[id]
	if t == nil {
		return false
	}
	t.forced = status
	return true
}

// Transfers returns every stored transfer of one environment, untampered
// and in creation order, as GET /platform/transfers/{id} would render it
// without tampers.
func (s *Server) Transfers(test bool) []transfer.Transfer {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.env(test)
	today, pc := s.today(), partnerCache{}
	out := make([]transfer.Transfer, 0, len(e.transferIDs))
	for _, id := range e.transferIDs {
		out = append(out, s.render(e, e.transfers[id], today, pc))
	}
	return out
}

// Remaining is what is left to cancel of an ORDER transfer (its Book's
// Remaining), and whether it exists.
func (s *Server) Remaining(test bool, orderTransferID string) (settlement.Amounts, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.env(test).transfers[orderTransferID]
	if t == nil || t.book == nil {
		return settlement.Amounts{}, false
	}
	return t.book.Remaining(), true
}
