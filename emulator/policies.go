package emulator

import (
	"net/http"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/transfer"
)

// Contracts and policies are kinds (resources.go); what is theirs alone is
// here: names and error types, the create mapping, the update and filter
// bodies, the wire form.

type (
	contractRec = record[settlement.Contract]
	dspRec      = record[settlement.DiscountSharePolicy]
	afpRec      = record[settlement.AdditionalFeePolicy]
)

// ---- contracts ----

var contractKind = &kind[settlement.Contract, transfer.CreateContractBody, transfer.Contract]{
	key: "contract", noun: "contract", idPrefix: "contract",
	notFound: "PLATFORM_CONTRACT_NOT_FOUND", exists: "PLATFORM_CONTRACT_ALREADY_EXISTS", archived: "PLATFORM_ARCHIVED_CONTRACT",

	table:   func(e *env) *table[settlement.Contract] { return &e.contracts },
	id:      func(c *settlement.Contract) *string { return &c.ID },
	inputID: func(in transfer.CreateContractBody) string { return in.ID },
	build: func(in transfer.CreateContractBody) (settlement.Contract, string, error) {
		c, err := transfer.ContractFromInput(in)
		return c, in.Memo, err
	},
	input: func(c *contractRec) transfer.CreateContractBody {
		in := transfer.ContractToInput(c.v)
		in.Memo = c.memo
		return in
	},
	wire: wireContract,
	filter: func() (any, func(*contractRec) bool) {
		var f contractFilter
		return &f, func(c *contractRec) bool {
			return isArchivedMatch(f.IsArchived, c.archived) &&
				oneOf(f.PlatformFeePayers, string(c.v.PlatformFeeVatPayer)) &&
				oneOf(f.CycleTypes, string(c.v.Cycle.Method)) &&
				oneOf(f.DatePolicies, string(c.v.Cycle.DatePolicy)) &&
				(f.Keyword == nil || has(c.v.ID, f.Keyword.ID) && has(c.v.Name, f.Keyword.Name))
		}
	},
	patch: func() (any, func(*transfer.CreateContractBody)) {
		var u contractUpdate
		return &u, func(in *transfer.CreateContractBody) {
			set(&in.Name, u.Name)
			set(&in.Memo, u.Memo)
			set(&in.PlatformFee, u.PlatformFee)
			set(&in.SettlementCycle, u.SettlementCycle)
			set(&in.PlatformFeeVatPayer, u.PlatformFeeVatPayer)
			set(&in.SubtractPaymentVatAmount, u.SubtractPaymentVatAmount)
		}
	},
}

func wireContract(c *contractRec, test bool) transfer.Contract {
	w := transfer.Contract{
		ID: c.v.ID, GraphqlID: graphqlID("PlatformContract", c.v.ID), Name: c.v.Name, Memo: c.memo,
		PlatformFee: transfer.FeeToWire(c.v.PlatformFee), SettlementCycle: transfer.CycleToWire(c.v.Cycle),
		PlatformFeeVatPayer:      string(c.v.PlatformFeeVatPayer),
		SubtractPaymentVatAmount: c.v.SubtractPaymentVatAmount,
		IsArchived:               c.archived, AppliedAt: c.appliedAt, IsForTest: test,
	}
	m := &w.SettlementCycle.Method
	switch c.v.Cycle.Method {
	case settlement.CycleWeekly:
		if m.DaysOfWeek == nil {
			m.DaysOfWeek = []string{}
		}
	case settlement.CycleMonthly:
		if m.DaysOfMonth == nil {
			m.DaysOfMonth = []int{}
		}
	case settlement.CycleManualDates:
		if m.Dates == nil {
			m.Dates = []transfer.MonthDay{}
		}
	}
	return w
}

// contractFilter and contractUpdate keep their names, as the policies'
// filter and update bodies stay unnamed: JSON type errors name them in
// INVALID_REQUEST messages.

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

type contractUpdate struct {
	Name                     *string              `json:"name"`
	Memo                     *string              `json:"memo"`
	PlatformFee              *transfer.FeeInput   `json:"platformFee"`
	SettlementCycle          *transfer.CycleInput `json:"settlementCycle"`
	PlatformFeeVatPayer      *string              `json:"platformFeeVatPayer"`
	SubtractPaymentVatAmount *bool                `json:"subtractPaymentVatAmount"`
}

// ---- discount share policies ----

var dspKind = &kind[settlement.DiscountSharePolicy, transfer.CreateDiscountSharePolicyBody, transfer.DiscountSharePolicy]{
	key: "discountSharePolicy", noun: "discount share policy", idPrefix: "discount-share-policy",
	notFound: "PLATFORM_DISCOUNT_SHARE_POLICY_NOT_FOUND", exists: "PLATFORM_DISCOUNT_SHARE_POLICY_ALREADY_EXISTS",
	archived: "PLATFORM_ARCHIVED_DISCOUNT_SHARE_POLICY",

	table:   func(e *env) *table[settlement.DiscountSharePolicy] { return &e.dsps },
	id:      func(p *settlement.DiscountSharePolicy) *string { return &p.ID },
	inputID: func(in transfer.CreateDiscountSharePolicyBody) string { return in.ID },
	build: func(in transfer.CreateDiscountSharePolicyBody) (settlement.DiscountSharePolicy, string, error) {
		p, err := transfer.DiscountSharePolicyFromInput(in)
		return p, in.Memo, err
	},
	input: func(p *dspRec) transfer.CreateDiscountSharePolicyBody {
		return transfer.CreateDiscountSharePolicyBody{ID: p.v.ID, Name: p.v.Name, PartnerShareRate: int64(p.v.PartnerShareRate), Memo: p.memo}
	},
	wire: wireDSP,
	filter: func() (any, func(*dspRec) bool) {
		var f struct {
			IsArchived        *bool   `json:"isArchived"`
			PartnerShareRates []int64 `json:"partnerShareRates"`
			Keyword           *struct {
				ID   string `json:"id"`
				Name string `json:"name"`
			} `json:"keyword"`
		}
		return &f, func(p *dspRec) bool {
			return isArchivedMatch(f.IsArchived, p.archived) &&
				oneOf(f.PartnerShareRates, int64(p.v.PartnerShareRate)) &&
				(f.Keyword == nil || has(p.v.ID, f.Keyword.ID) && has(p.v.Name, f.Keyword.Name))
		}
	},
	patch: func() (any, func(*transfer.CreateDiscountSharePolicyBody)) {
		var u struct {
			Name             *string `json:"name"`
			PartnerShareRate *int64  `json:"partnerShareRate"`
			Memo             *string `json:"memo"`
		}
		return &u, func(in *transfer.CreateDiscountSharePolicyBody) {
			set(&in.Name, u.Name)
			set(&in.PartnerShareRate, u.PartnerShareRate)
			set(&in.Memo, u.Memo)
		}
	},
}

func wireDSP(p *dspRec, test bool) transfer.DiscountSharePolicy {
	return transfer.DiscountSharePolicy{
		ID: p.v.ID, GraphqlID: graphqlID("PlatformDiscountSharePolicy", p.v.ID), Name: p.v.Name,
		PartnerShareRate: int64(p.v.PartnerShareRate), Memo: p.memo,
		IsArchived: p.archived, AppliedAt: p.appliedAt, IsForTest: test,
	}
}

// ---- additional fee policies ----

var afpKind = &kind[settlement.AdditionalFeePolicy, transfer.CreateAdditionalFeePolicyBody, transfer.AdditionalFeePolicy]{
	key: "additionalFeePolicy", noun: "additional fee policy", idPrefix: "additional-fee-policy",
	notFound: "PLATFORM_ADDITIONAL_FEE_POLICY_NOT_FOUND", exists: "PLATFORM_ADDITIONAL_FEE_POLICY_ALREADY_EXISTS",
	archived: "PLATFORM_ARCHIVED_ADDITIONAL_FEE_POLICY",

	table:   func(e *env) *table[settlement.AdditionalFeePolicy] { return &e.afps },
	id:      func(p *settlement.AdditionalFeePolicy) *string { return &p.ID },
	inputID: func(in transfer.CreateAdditionalFeePolicyBody) string { return in.ID },
	build: func(in transfer.CreateAdditionalFeePolicyBody) (settlement.AdditionalFeePolicy, string, error) {
		p, err := transfer.AdditionalFeePolicyFromInput(in)
		return p, in.Memo, err
	},
	input: func(p *afpRec) transfer.CreateAdditionalFeePolicyBody {
		return transfer.CreateAdditionalFeePolicyBody{ID: p.v.ID, Name: p.v.Name, Fee: transfer.FeeToInput(p.v.Fee), Memo: p.memo, VatPayer: string(p.v.VatPayer)}
	},
	wire: wireAFP,
	filter: func() (any, func(*afpRec) bool) {
		var f struct {
			IsArchived *bool    `json:"isArchived"`
			VatPayers  []string `json:"vatPayers"`
			Keyword    *struct {
				ID   string `json:"id"`
				Name string `json:"name"`
				Fee  string `json:"fee"`
			} `json:"keyword"`
		}
		return &f, func(p *afpRec) bool {
			return isArchivedMatch(f.IsArchived, p.archived) &&
				oneOf(f.VatPayers, string(p.v.VatPayer)) &&
				(f.Keyword == nil || has(p.v.ID, f.Keyword.ID) && has(p.v.Name, f.Keyword.Name))
		}
	},
	patch: func() (any, func(*transfer.CreateAdditionalFeePolicyBody)) {
		var u struct {
			Fee      *transfer.FeeInput `json:"fee"`
			Name     *string            `json:"name"`
			Memo     *string            `json:"memo"`
			VatPayer *string            `json:"vatPayer"`
		}
		return &u, func(in *transfer.CreateAdditionalFeePolicyBody) {
			set(&in.Fee, u.Fee)
			set(&in.Name, u.Name)
			set(&in.Memo, u.Memo)
			set(&in.VatPayer, u.VatPayer)
		}
	},
}

func wireAFP(p *afpRec, test bool) transfer.AdditionalFeePolicy {
	return transfer.AdditionalFeePolicy{
		ID: p.v.ID, GraphqlID: graphqlID("PlatformAdditionalFeePolicy", p.v.ID), Name: p.v.Name,
		Fee: transfer.FeeToWire(p.v.Fee), Memo: p.memo, VatPayer: string(p.v.VatPayer),
		IsArchived: p.archived, AppliedAt: p.appliedAt, IsForTest: test,
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
	test, ok := readBody(w, r, body, &in)
	if !ok {
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
	e.changedTerms()
	writeJSON(w, http.StatusOK, map[string]any{"setting": n})
}
