package portonetest

import (
	"net/http"
	"strings"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/transfer"
)

// ---- contracts ----

func (s *Server) addContract(e *env, in transfer.CreateContractBody) (*contractRec, *apiError) {
	if in.ID != "" && e.contracts[in.ID] != nil {
		return nil, newAPIError(http.StatusConflict, "PLATFORM_CONTRACT_ALREADY_EXISTS", "contract id already exists: "+in.ID)
	}
	c, err := transfer.ContractFromInput(in)
	if err != nil {
		return nil, fromSettlement(err)
	}
	if c.ID == "" {
		c.ID = s.nextID("contract")
	}
	rec := &contractRec{c: c, memo: in.Memo, appliedAt: s.stamp()}
	e.contracts[c.ID] = rec
	e.contractIDs = append(e.contractIDs, c.ID)
	return rec, nil
}

func (s *Server) createContract(w http.ResponseWriter, r *http.Request, body []byte) {
	var in transfer.CreateContractBody
	if err := decode(body, &in); err != nil {
		writeErr(w, err)
		return
	}
	test, aerr := testMode(r, body)
	if aerr != nil {
		writeErr(w, aerr)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, aerr := s.addContract(s.env(test), in)
	if aerr != nil {
		writeErr(w, aerr)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"contract": rec.wire(test)})
}

func (s *Server) getContract(w http.ResponseWriter, r *http.Request, _ []byte) {
	test, aerr := testMode(r, nil)
	if aerr != nil {
		writeErr(w, aerr)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.env(test).contracts[pathID(r)]
	if c == nil {
		writeErr(w, notFound("PLATFORM_CONTRACT_NOT_FOUND", "contract not found"))
		return
	}
	writeJSON(w, http.StatusOK, c.wire(test))
}

type contractFilter struct {
	PlatformFeePayers []string `json:"platformFeePayers"`
	CycleTypes        []string `json:"cycleTypes"`
	DatePolicies      []string `json:"datePolicies"`
	IsArchived        *bool    `json:"isArchived"`
	Keyword           *struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"keyword"`
}

func (s *Server) listContracts(w http.ResponseWriter, r *http.Request, body []byte) {
	var f contractFilter
	lr, aerr := parseList(r, body, &f)
	if aerr != nil {
		writeErr(w, aerr)
		return
	}
	test, aerr := testMode(r, listBody(r, body))
	if aerr != nil {
		writeErr(w, aerr)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.env(test)
	var items []transfer.Contract
	for _, id := range e.contractIDs {
		c := e.contracts[id]
		switch {
		case !isArchivedMatch(f.IsArchived, c.archived),
			len(f.PlatformFeePayers) > 0 && !contains(f.PlatformFeePayers, string(c.c.PlatformFeeVatPayer)),
			len(f.CycleTypes) > 0 && !contains(f.CycleTypes, string(c.c.Cycle.Method)),
			len(f.DatePolicies) > 0 && !contains(f.DatePolicies, string(c.c.Cycle.DatePolicy)),
			f.Keyword != nil && f.Keyword.ID != "" && !strings.Contains(c.c.ID, f.Keyword.ID),
			f.Keyword != nil && f.Keyword.Name != "" && !strings.Contains(c.c.Name, f.Keyword.Name):
			continue
		}
		items = append(items, c.wire(test))
	}
	page, info, aerr := paginate(items, lr.Page, s.opts.DefaultPageSize)
	if aerr != nil {
		writeErr(w, aerr)
		return
	}
	writeJSON(w, http.StatusOK, listResponse[transfer.Contract]{Items: page, Page: info})
}

type contractUpdate struct {
	Name                     *string              `json:"name"`
	Memo                     *string              `json:"memo"`
	PlatformFee              *transfer.FeeInput   `json:"platformFee"`
	SettlementCycle          *transfer.CycleInput `json:"settlementCycle"`
	PlatformFeeVatPayer      *string              `json:"platformFeeVatPayer"`
	SubtractPaymentVatAmount *bool                `json:"subtractPaymentVatAmount"`
}

func (s *Server) updateContract(w http.ResponseWriter, r *http.Request, body []byte) {
	var in contractUpdate
	if err := decode(body, &in); err != nil {
		writeErr(w, err)
		return
	}
	test, aerr := testMode(r, body)
	if aerr != nil {
		writeErr(w, aerr)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.env(test).contracts[pathID(r)]
	if c == nil {
		writeErr(w, notFound("PLATFORM_CONTRACT_NOT_FOUND", "contract not found"))
		return
	}
	if c.archived {
		writeErr(w, newAPIError(http.StatusConflict, "PLATFORM_ARCHIVED_CONTRACT", "contract is archived"))
		return
	}
	// Re-validate the whole contract through the create mapping.
	cur := transfer.ContractToInput(c.c)
	cur.Memo = c.memo
	if in.Name != nil {
		cur.Name = *in.Name
	}
	if in.Memo != nil {
		cur.Memo = *in.Memo
	}
	if in.PlatformFee != nil {
		cur.PlatformFee = *in.PlatformFee
	}
	if in.SettlementCycle != nil {
		cur.SettlementCycle = *in.SettlementCycle
	}
	if in.PlatformFeeVatPayer != nil {
		cur.PlatformFeeVatPayer = *in.PlatformFeeVatPayer
	}
	if in.SubtractPaymentVatAmount != nil {
		cur.SubtractPaymentVatAmount = *in.SubtractPaymentVatAmount
	}
	nc, err := transfer.ContractFromInput(cur)
	if err != nil {
		writeErr(w, fromSettlement(err))
		return
	}
	nc.ID = c.c.ID
	c.c, c.memo, c.appliedAt = nc, cur.Memo, s.stamp()
	writeJSON(w, http.StatusOK, map[string]any{"contract": c.wire(test)})
}

func (s *Server) archiveContract(archive bool) func(http.ResponseWriter, *http.Request, []byte) {
	return func(w http.ResponseWriter, r *http.Request, _ []byte) {
		test, aerr := testMode(r, nil)
		if aerr != nil {
			writeErr(w, aerr)
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		c := s.env(test).contracts[pathID(r)]
		if c == nil {
			writeErr(w, notFound("PLATFORM_CONTRACT_NOT_FOUND", "contract not found"))
			return
		}
		c.archived = archive
		writeJSON(w, http.StatusOK, map[string]any{"contract": c.wire(test)})
	}
}

// ---- discount share policies ----

func (s *Server) addDSP(e *env, in transfer.CreateDiscountSharePolicyBody) (*dspRec, *apiError) {
	if in.ID != "" && e.dsps[in.ID] != nil {
		return nil, newAPIError(http.StatusConflict, "PLATFORM_DISCOUNT_SHARE_POLICY_ALREADY_EXISTS", "discount share policy id already exists: "+in.ID)
	}
	p, err := transfer.DiscountSharePolicyFromInput(in)
	if err != nil {
		return nil, fromSettlement(err)
	}
	if p.ID == "" {
		p.ID = s.nextID("discount-share-policy")
	}
	rec := &dspRec{p: p, memo: in.Memo, appliedAt: s.stamp()}
	e.dsps[p.ID] = rec
	e.dspIDs = append(e.dspIDs, p.ID)
	return rec, nil
}

func (s *Server) createDSP(w http.ResponseWriter, r *http.Request, body []byte) {
	var in transfer.CreateDiscountSharePolicyBody
	if err := decode(body, &in); err != nil {
		writeErr(w, err)
		return
	}
	test, aerr := testMode(r, body)
	if aerr != nil {
		writeErr(w, aerr)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, aerr := s.addDSP(s.env(test), in)
	if aerr != nil {
		writeErr(w, aerr)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"discountSharePolicy": rec.wire(test)})
}

func (s *Server) getDSP(w http.ResponseWriter, r *http.Request, _ []byte) {
	test, aerr := testMode(r, nil)
	if aerr != nil {
		writeErr(w, aerr)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.env(test).dsps[pathID(r)]
	if p == nil {
		writeErr(w, notFound("PLATFORM_DISCOUNT_SHARE_POLICY_NOT_FOUND", "discount share policy not found"))
		return
	}
	writeJSON(w, http.StatusOK, p.wire(test))
}

func (s *Server) listDSPs(w http.ResponseWriter, r *http.Request, body []byte) {
	var f struct {
		IsArchived        *bool   `json:"isArchived"`
		PartnerShareRates []int64 `json:"partnerShareRates"`
		Keyword           *struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"keyword"`
	}
	lr, aerr := parseList(r, body, &f)
	if aerr != nil {
		writeErr(w, aerr)
		return
	}
	test, aerr := testMode(r, listBody(r, body))
	if aerr != nil {
		writeErr(w, aerr)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.env(test)
	var items []transfer.DiscountSharePolicy
	for _, id := range e.dspIDs {
		p := e.dsps[id]
		switch {
		case !isArchivedMatch(f.IsArchived, p.archived),
			len(f.PartnerShareRates) > 0 && !contains(f.PartnerShareRates, int64(p.p.PartnerShareRate)),
			f.Keyword != nil && f.Keyword.ID != "" && !strings.Contains(p.p.ID, f.Keyword.ID),
			f.Keyword != nil && f.Keyword.Name != "" && !strings.Contains(p.p.Name, f.Keyword.Name):
			continue
		}
		items = append(items, p.wire(test))
	}
	page, info, aerr := paginate(items, lr.Page, s.opts.DefaultPageSize)
	if aerr != nil {
		writeErr(w, aerr)
		return
	}
	writeJSON(w, http.StatusOK, listResponse[transfer.DiscountSharePolicy]{Items: page, Page: info})
}

func (s *Server) updateDSP(w http.ResponseWriter, r *http.Request, body []byte) {
	var in struct {
		Name             *string `json:"name"`
		PartnerShareRate *int64  `json:"partnerShareRate"`
		Memo             *string `json:"memo"`
	}
	if err := decode(body, &in); err != nil {
		writeErr(w, err)
		return
	}
	test, aerr := testMode(r, body)
	if aerr != nil {
		writeErr(w, aerr)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.env(test).dsps[pathID(r)]
	if p == nil {
		writeErr(w, notFound("PLATFORM_DISCOUNT_SHARE_POLICY_NOT_FOUND", "discount share policy not found"))
		return
	}
	if p.archived {
		writeErr(w, newAPIError(http.StatusConflict, "PLATFORM_ARCHIVED_DISCOUNT_SHARE_POLICY", "discount share policy is archived"))
		return
	}
	cur := transfer.CreateDiscountSharePolicyBody{ID: p.p.ID, Name: p.p.Name, PartnerShareRate: int64(p.p.PartnerShareRate), Memo: p.memo}
	if in.Name != nil {
		cur.Name = *in.Name
	}
	if in.PartnerShareRate != nil {
		cur.PartnerShareRate = *in.PartnerShareRate
	}
	if in.Memo != nil {
		cur.Memo = *in.Memo
	}
	np, err := transfer.DiscountSharePolicyFromInput(cur)
	if err != nil {
		writeErr(w, fromSettlement(err))
		return
	}
	p.p, p.memo, p.appliedAt = np, cur.Memo, s.stamp()
	writeJSON(w, http.StatusOK, map[string]any{"discountSharePolicy": p.wire(test)})
}

func (s *Server) archiveDSP(archive bool) func(http.ResponseWriter, *http.Request, []byte) {
	return func(w http.ResponseWriter, r *http.Request, _ []byte) {
		test, aerr := testMode(r, nil)
		if aerr != nil {
			writeErr(w, aerr)
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		p := s.env(test).dsps[pathID(r)]
		if p == nil {
			writeErr(w, notFound("PLATFORM_DISCOUNT_SHARE_POLICY_NOT_FOUND", "discount share policy not found"))
			return
		}
		p.archived = archive
		writeJSON(w, http.StatusOK, map[string]any{"discountSharePolicy": p.wire(test)})
	}
}

// ---- additional fee policies ----

func (s *Server) addAFP(e *env, in transfer.CreateAdditionalFeePolicyBody) (*afpRec, *apiError) {
	if in.ID != "" && e.afps[in.ID] != nil {
		return nil, newAPIError(http.StatusConflict, "PLATFORM_ADDITIONAL_FEE_POLICY_ALREADY_EXISTS", "additional fee policy id already exists: "+in.ID)
	}
	p, err := transfer.AdditionalFeePolicyFromInput(in)
	if err != nil {
		return nil, fromSettlement(err)
	}
	if p.ID == "" {
		p.ID = s.nextID("additional-fee-policy")
	}
	rec := &afpRec{p: p, memo: in.Memo, appliedAt: s.stamp()}
	e.afps[p.ID] = rec
	e.afpIDs = append(e.afpIDs, p.ID)
	return rec, nil
}

func (s *Server) createAFP(w http.ResponseWriter, r *http.Request, body []byte) {
	var in transfer.CreateAdditionalFeePolicyBody
	if err := decode(body, &in); err != nil {
		writeErr(w, err)
		return
	}
	test, aerr := testMode(r, body)
	if aerr != nil {
		writeErr(w, aerr)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, aerr := s.addAFP(s.env(test), in)
	if aerr != nil {
		writeErr(w, aerr)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"additionalFeePolicy": rec.wire(test)})
}

func (s *Server) getAFP(w http.ResponseWriter, r *http.Request, _ []byte) {
	test, aerr := testMode(r, nil)
	if aerr != nil {
		writeErr(w, aerr)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.env(test).afps[pathID(r)]
	if p == nil {
		writeErr(w, notFound("PLATFORM_ADDITIONAL_FEE_POLICY_NOT_FOUND", "additional fee policy not found"))
		return
	}
	writeJSON(w, http.StatusOK, p.wire(test))
}

func (s *Server) listAFPs(w http.ResponseWriter, r *http.Request, body []byte) {
	var f struct {
		IsArchived *bool    `json:"isArchived"`
		VatPayers  []string `json:"vatPayers"`
		Keyword    *struct {
			ID   string `json:"id"`
			Name string `json:"name"`
			Fee  string `json:"fee"`
		} `json:"keyword"`
	}
	lr, aerr := parseList(r, body, &f)
	if aerr != nil {
		writeErr(w, aerr)
		return
	}
	test, aerr := testMode(r, listBody(r, body))
	if aerr != nil {
		writeErr(w, aerr)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.env(test)
	var items []transfer.AdditionalFeePolicy
	for _, id := range e.afpIDs {
		p := e.afps[id]
		switch {
		case !isArchivedMatch(f.IsArchived, p.archived),
			len(f.VatPayers) > 0 && !contains(f.VatPayers, string(p.p.VatPayer)),
			f.Keyword != nil && f.Keyword.ID != "" && !strings.Contains(p.p.ID, f.Keyword.ID),
			f.Keyword != nil && f.Keyword.Name != "" && !strings.Contains(p.p.Name, f.Keyword.Name):
			continue
		}
		items = append(items, p.wire(test))
	}
	page, info, aerr := paginate(items, lr.Page, s.opts.DefaultPageSize)
	if aerr != nil {
		writeErr(w, aerr)
		return
	}
	writeJSON(w, http.StatusOK, listResponse[transfer.AdditionalFeePolicy]{Items: page, Page: info})
}

func (s *Server) updateAFP(w http.ResponseWriter, r *http.Request, body []byte) {
	var in struct {
		Fee      *transfer.FeeInput `json:"fee"`
		Name     *string            `json:"name"`
		Memo     *string            `json:"memo"`
		VatPayer *string            `json:"vatPayer"`
	}
	if err := decode(body, &in); err != nil {
		writeErr(w, err)
		return
	}
	test, aerr := testMode(r, body)
	if aerr != nil {
		writeErr(w, aerr)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.env(test).afps[pathID(r)]
	if p == nil {
		writeErr(w, notFound("PLATFORM_ADDITIONAL_FEE_POLICY_NOT_FOUND", "additional fee policy not found"))
		return
	}
	if p.archived {
		writeErr(w, newAPIError(http.StatusConflict, "PLATFORM_ARCHIVED_ADDITIONAL_FEE_POLICY", "additional fee policy is archived"))
		return
	}
	cur := transfer.CreateAdditionalFeePolicyBody{ID: p.p.ID, Name: p.p.Name, Fee: transfer.FeeToInput(p.p.Fee), Memo: p.memo, VatPayer: string(p.p.VatPayer)}
	if in.Fee != nil {
		cur.Fee = *in.Fee
	}
	if in.Name != nil {
		cur.Name = *in.Name
	}
	if in.Memo != nil {
		cur.Memo = *in.Memo
	}
	if in.VatPayer != nil {
		cur.VatPayer = *in.VatPayer
	}
	np, err := transfer.AdditionalFeePolicyFromInput(cur)
	if err != nil {
		writeErr(w, fromSettlement(err))
		return
	}
	p.p, p.memo, p.appliedAt = np, cur.Memo, s.stamp()
	writeJSON(w, http.StatusOK, map[string]any{"additionalFeePolicy": p.wire(test)})
}

func (s *Server) archiveAFP(archive bool) func(http.ResponseWriter, *http.Request, []byte) {
	return func(w http.ResponseWriter, r *http.Request, _ []byte) {
		test, aerr := testMode(r, nil)
		if aerr != nil {
			writeErr(w, aerr)
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		p := s.env(test).afps[pathID(r)]
		if p == nil {
			writeErr(w, notFound("PLATFORM_ADDITIONAL_FEE_POLICY_NOT_FOUND", "additional fee policy not found"))
			return
		}
		p.archived = archive
		writeJSON(w, http.StatusOK, map[string]any{"additionalFeePolicy": p.wire(test)})
	}
}

// ---- platform setting ----

func (s *Server) getSetting(w http.ResponseWriter, r *http.Request, _ []byte) {
	test, aerr := testMode(r, nil)
	if aerr != nil {
		writeErr(w, aerr)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	writeJSON(w, http.StatusOK, s.env(test).setting)
}

func (s *Server) updateSetting(w http.ResponseWriter, r *http.Request, body []byte) {
	var in settingUpdate
	if err := decode(body, &in); err != nil {
		writeErr(w, err)
		return
	}
	test, aerr := testMode(r, body)
	if aerr != nil {
		writeErr(w, aerr)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.env(test)
	n := e.setting
	if aerr := in.apply(&n); aerr != nil {
		writeErr(w, aerr)
		return
	}
	e.setting = n
	writeJSON(w, http.StatusOK, map[string]any{"setting": n})
}

// terms builds the settlement terms of a contract in e; callers hold s.mu.
func (s *Server) terms(e *env, c settlement.Contract) settlement.Terms {
	t := settlement.Terms{
		Contract:               c,
		DiscountSharePolicies:  make(map[string]settlement.DiscountSharePolicy, len(e.dsps)),
		AdditionalFeePolicies:  make(map[string]settlement.AdditionalFeePolicy, len(e.afps)),
		Rounding:               s.opts.Rounding,
		Calendar:               s.cal,
		AdjustEarlierToNextDay: e.setting.AdjustSettlementDateAfterHolidayIfEarlier,
	}
	for id, p := range e.dsps {
		t.DiscountSharePolicies[id] = p.p
	}
	for id, p := range e.afps {
		t.AdditionalFeePolicies[id] = p.p
	}
	return t
}
