package emulator

import (
	"net/http"
	"strings"
)

// The emulator keeps its own copy of PortOne's partner shapes, so that it
// checks the client's encoding instead of sharing its assumptions.

type udpValue struct {
	String string `json:"string"`
}

type contactWire struct {
	Name        string `json:"name"`
	PhoneNumber string `json:"phoneNumber,omitempty"`
	Email       string `json:"email"`
}

type accountOut struct {
	Bank     string `json:"bank"`
	Currency string `json:"currency"`
	Number   string `json:"number"`
	Holder   string `json:"holder"`
	Status   string `json:"status"`
}

type partnerTypeOut struct {
	Type                          string `json:"type"`
	CompanyName                   string `json:"companyName,omitempty"`
	TaxationType                  string `json:"taxationType,omitempty"`
	BusinessStatus                string `json:"businessStatus,omitempty"`
	BusinessRegistrationNumber    string `json:"businessRegistrationNumber,omitempty"`
	RepresentativeName            string `json:"representativeName,omitempty"`
	CompanyAddress                string `json:"companyAddress,omitempty"`
	BusinessType                  string `json:"businessType,omitempty"`
	BusinessClass                 string `json:"businessClass,omitempty"`
	MemberCompanyConnectionStatus string `json:"memberCompanyConnectionStatus,omitempty"`
	Birthdate                     string `json:"birthdate,omitempty"`
}

// partnerOut is PortOne's PlatformPartner.
type partnerOut struct {
	ID                    string              `json:"id"`
	GraphqlID             string              `json:"graphqlId"`
	Name                  string              `json:"name"`
	Contact               contactWire         `json:"contact"`
	Account               accountOut          `json:"account"`
	Status                string              `json:"status"`
	DefaultContractID     string              `json:"defaultContractId"`
	Memo                  string              `json:"memo,omitempty"`
	Tags                  []string            `json:"tags"`
	Type                  partnerTypeOut      `json:"type"`
	IsArchived            bool                `json:"isArchived"`
	AppliedAt             string              `json:"appliedAt"`
	UserDefinedProperties map[string]udpValue `json:"userDefinedProperties"`
	IsForTest             bool                `json:"isForTest"`
}

type accountInput struct {
	Bank                  string `json:"bank"`
	Currency              string `json:"currency"`
	Number                string `json:"number"`
	Holder                string `json:"holder"`
	AccountVerificationID string `json:"accountVerificationId"`
}

type businessInput struct {
	CompanyName                string `json:"companyName"`
	TaxationType               string `json:"taxationType"`
	BusinessRegistrationNumber string `json:"businessRegistrationNumber"`
	RepresentativeName         string `json:"representativeName"`
	CompanyAddress             string `json:"companyAddress"`
	BusinessType               string `json:"businessType"`
	BusinessClass              string `json:"businessClass"`
}

type birthInput struct {
	Birthdate string `json:"birthdate"`
}

type partnerTypeInput struct {
	Business    *businessInput `json:"business"`
	WhtPayer    *birthInput    `json:"whtPayer"`
	NonWhtPayer *birthInput    `json:"nonWhtPayer"`
}

// partnerInput is CreatePlatformPartnerBody and UpdatePlatformPartnerBody;
// pointers tell an absent field from an empty one.
type partnerInput struct {
	ID                    string              `json:"id"`
	Name                  *string             `json:"name"`
	Contact               *contactWire        `json:"contact"`
	Account               *accountInput       `json:"account"`
	DefaultContractID     *string             `json:"defaultContractId"`
	Memo                  *string             `json:"memo"`
	Tags                  *[]string           `json:"tags"`
	Type                  *partnerTypeInput   `json:"type"`
	UserDefinedProperties map[string]udpValue `json:"userDefinedProperties"`
}

func (t *partnerTypeInput) out() (partnerTypeOut, *apiError) {
	n := 0
	var o partnerTypeOut
	if b := t.Business; b != nil {
		n++
		if b.CompanyName == "" || b.BusinessRegistrationNumber == "" || b.RepresentativeName == "" {
			return o, invalidRequest("type.business: companyName, businessRegistrationNumber and representativeName are required")
		}
		tax := b.TaxationType
		if tax == "" {
			tax = "NORMAL"
		}
		o = partnerTypeOut{
			Type: "BUSINESS", CompanyName: b.CompanyName, TaxationType: tax, BusinessStatus: "IN_BUSINESS",
			BusinessRegistrationNumber: b.BusinessRegistrationNumber, RepresentativeName: b.RepresentativeName,
			CompanyAddress: b.CompanyAddress, BusinessType: b.BusinessType, BusinessClass: b.BusinessClass,
			MemberCompanyConnectionStatus: "NOT_CONNECTED",
		}
	}
	if t.WhtPayer != nil {
		n++
		o = partnerTypeOut{Type: "WHT_PAYER", Birthdate: t.WhtPayer.Birthdate}
	}
	if t.NonWhtPayer != nil {
		n++
		o = partnerTypeOut{Type: "NON_WHT_PAYER", Birthdate: t.NonWhtPayer.Birthdate}
	}
	if n != 1 {
		return o, invalidRequest("type: exactly one of business, whtPayer and nonWhtPayer")
	}
	return o, nil
}

func (a *accountInput) out() (accountOut, *apiError) {
	if a.Bank == "" || a.Currency == "" || a.Number == "" || a.Holder == "" {
		return accountOut{}, invalidRequest("account: bank, currency, number and holder are required")
	}
	return accountOut{Bank: a.Bank, Currency: a.Currency, Number: a.Number, Holder: a.Holder, Status: "VERIFIED"}, nil
}

// newPartner validates a create body; callers hold s.mu.
func (s *Server) newPartner(e *env, in partnerInput) (*partnerOut, *apiError) {
	if in.Name == nil || *in.Name == "" {
		return nil, invalidRequest("name: required")
	}
	if in.Contact == nil || in.Contact.Name == "" || in.Contact.Email == "" {
		return nil, invalidRequest("contact: name and email are required")
	}
	if in.Account == nil {
		return nil, invalidRequest("account: required")
	}
	if in.DefaultContractID == nil || *in.DefaultContractID == "" {
		return nil, invalidRequest("defaultContractId: required")
	}
	if in.Tags == nil {
		return nil, invalidRequest("tags: required")
	}
	if len(*in.Tags) > 10 {
		return nil, invalidRequest("tags: at most 10")
	}
	if in.Type == nil {
		return nil, invalidRequest("type: required")
	}
	acct, err := in.Account.out()
	if err != nil {
		return nil, err
	}
	typ, err := in.Type.out()
	if err != nil {
		return nil, err
	}
	if _, ok := e.contracts.byID[*in.DefaultContractID]; !ok {
		return nil, notFound("PLATFORM_CONTRACT_NOT_FOUND", "contract not found: "+*in.DefaultContractID)
	}
	id := in.ID
	if id == "" {
		id = s.nextID("partner")
	}
	p := &partnerOut{
		ID: id, GraphqlID: graphqlID("PlatformPartner", id), Name: *in.Name, Contact: *in.Contact,
		Account: acct, Status: "APPROVED", DefaultContractID: *in.DefaultContractID,
		Tags: append([]string{}, *in.Tags...), Type: typ, AppliedAt: s.stamp(),
		UserDefinedProperties: map[string]udpValue{}, IsForTest: e.test,
	}
	if in.Memo != nil {
		p.Memo = *in.Memo
	}
	for k, v := range in.UserDefinedProperties {
		p.UserDefinedProperties[k] = v
	}
	return p, nil
}

func (e *env) addPartner(p *partnerOut) {
	e.changedPartners()
	e.partners[p.ID] = p
	e.partnerIDs = append(e.partnerIDs, p.ID)
}

func (s *Server) createPartner(w http.ResponseWriter, r *http.Request, body []byte) {
	var in partnerInput
	test, ok := readBody(w, r, body, &in)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.env(test)
	if in.ID != "" && e.partners[in.ID] != nil {
		writeErr(w, newAPIError(http.StatusConflict, "PLATFORM_PARTNER_ID_ALREADY_EXISTS", "partner id already exists: "+in.ID))
		return
	}
	p, err := s.newPartner(e, in)
	if err != nil {
		writeErr(w, err)
		return
	}
	e.addPartner(p)
	writeJSON(w, http.StatusOK, map[string]any{"partner": p})
}

func (s *Server) createPartners(w http.ResponseWriter, r *http.Request, body []byte) {
	var in struct {
		Partners []partnerInput `json:"partners"`
	}
	if err := decode(body, &in); err != nil {
		writeErr(w, err)
		return
	}
	if in.Partners == nil {
		writeErr(w, invalidRequest("partners: required"))
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
	seen := map[string]bool{}
	var dup, exists, missing []string
	for _, p := range in.Partners {
		if p.ID != "" {
			if seen[p.ID] && !contains(dup, p.ID) {
				dup = append(dup, p.ID)
			}
			seen[p.ID] = true
			if e.partners[p.ID] != nil {
				exists = append(exists, p.ID)
			}
		}
		if p.DefaultContractID != nil && *p.DefaultContractID != "" && e.contracts.byID[*p.DefaultContractID] == nil && !contains(missing, *p.DefaultContractID) {
			missing = append(missing, *p.DefaultContractID)
		}
	}
	switch {
	case len(dup) > 0:
		ids, g := idsAndGraphqlIDs("PlatformPartner", dup)
		writeErr(w, newAPIError(http.StatusBadRequest, "PLATFORM_PARTNER_IDS_DUPLICATED", "duplicated partner ids", "ids", ids, "graphqlIds", g))
		return
	case len(missing) > 0:
		ids, g := idsAndGraphqlIDs("PlatformContract", missing)
		writeErr(w, newAPIError(http.StatusNotFound, "PLATFORM_CONTRACTS_NOT_FOUND", "contracts not found", "ids", ids, "graphqlIds", g))
		return
	case len(exists) > 0:
		ids, g := idsAndGraphqlIDs("PlatformPartner", exists)
		writeErr(w, newAPIError(http.StatusConflict, "PLATFORM_PARTNER_IDS_ALREADY_EXISTS", "partner ids already exist", "ids", ids, "graphqlIds", g))
		return
	}
	out := make([]*partnerOut, 0, len(in.Partners))
	for _, pi := range in.Partners {
		p, err := s.newPartner(e, pi)
		if err != nil {
			writeErr(w, err)
			return
		}
		out = append(out, p)
	}
	for _, p := range out {
		e.addPartner(p)
	}
	writeJSON(w, http.StatusOK, map[string]any{"partners": out})
}

// partnerAt returns the partner the path names, or answers 404 and returns nil.
func partnerAt(w http.ResponseWriter, r *http.Request, e *env) *partnerOut {
	p := e.partners[pathID(r)]
	if p == nil {
		writeErr(w, notFound("PLATFORM_PARTNER_NOT_FOUND", "partner not found"))
	}
	return p
}

func (s *Server) getPartner(w http.ResponseWriter, r *http.Request, body []byte) {
	test, aerr := testMode(r, nil)
	if aerr != nil {
		writeErr(w, aerr)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := partnerAt(w, r, s.env(test)); p != nil {
		writeJSON(w, http.StatusOK, p)
	}
}

type partnerFilter struct {
	IsArchived        *bool    `json:"isArchived"`
	Tags              []string `json:"tags"`
	Banks             []string `json:"banks"`
	AccountCurrencies []string `json:"accountCurrencies"`
	IDs               []string `json:"ids"`
	ContractIDs       []string `json:"contractIds"`
	AccountStatuses   []string `json:"accountStatuses"`
	BusinessStatuses  []string `json:"businessStatuses"`
	Types             []string `json:"types"`
	TaxationTypes     []string `json:"taxationTypes"`
	Keyword           *struct {
		ID                         string `json:"id"`
		Name                       string `json:"name"`
		Email                      string `json:"email"`
		BusinessRegistrationNumber string `json:"businessRegistrationNumber"`
		DefaultContractID          string `json:"defaultContractId"`
		Memo                       string `json:"memo"`
		AccountNumber              string `json:"accountNumber"`
		AccountHolder              string `json:"accountHolder"`
	} `json:"keyword"`
}

func (f *partnerFilter) match(p *partnerOut) bool {
	if !isArchivedMatch(f.IsArchived, p.IsArchived) {
		return false
	}
	if len(f.Tags) > 0 {
		ok := false
		for _, t := range p.Tags {
			ok = ok || contains(f.Tags, t)
		}
		if !ok {
			return false
		}
	}
	for _, c := range []struct {
		want []string
		have string
	}{
		{f.Banks, p.Account.Bank}, {f.AccountCurrencies, p.Account.Currency}, {f.IDs, p.ID},
		{f.ContractIDs, p.DefaultContractID}, {f.AccountStatuses, p.Account.Status},
		{f.BusinessStatuses, p.Type.BusinessStatus}, {f.Types, p.Type.Type}, {f.TaxationTypes, p.Type.TaxationType},
	} {
		if len(c.want) > 0 && !contains(c.want, c.have) {
			return false
		}
	}
	if k := f.Keyword; k != nil {
		for _, c := range []struct{ want, have string }{
			{k.ID, p.ID}, {k.Name, p.Name}, {k.Email, p.Contact.Email},
			{k.BusinessRegistrationNumber, p.Type.BusinessRegistrationNumber},
			{k.DefaultContractID, p.DefaultContractID}, {k.Memo, p.Memo},
			{k.AccountNumber, p.Account.Number}, {k.AccountHolder, p.Account.Holder},
		} {
			if c.want != "" && !strings.Contains(c.have, c.want) {
				return false
			}
		}
	}
	return true
}

func (s *Server) listPartners(w http.ResponseWriter, r *http.Request, body []byte) {
	var f partnerFilter
	serveList(s, w, r, body, &f, func(e *env, _ bool) []*partnerOut {
		var items []*partnerOut
		for _, id := range e.partnerIDs {
			if p := e.partners[id]; f.match(p) {
				items = append(items, p)
			}
		}
		return items
	})
}

func (s *Server) updatePartner(w http.ResponseWriter, r *http.Request, body []byte) {
	var in partnerInput
	test, ok := readBody(w, r, body, &in)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.env(test)
	p := partnerAt(w, r, e)
	if p == nil {
		return
	}
	if p.IsArchived {
		writeErr(w, newAPIError(http.StatusConflict, "PLATFORM_ARCHIVED_PARTNER", "partner is archived"))
		return
	}
	n := *p
	if in.Name != nil {
		n.Name = *in.Name
	}
	if in.Contact != nil {
		if in.Contact.Name != "" {
			n.Contact.Name = in.Contact.Name
		}
		if in.Contact.Email != "" {
			n.Contact.Email = in.Contact.Email
		}
		if in.Contact.PhoneNumber != "" {
			n.Contact.PhoneNumber = in.Contact.PhoneNumber
		}
	}
	if in.Account != nil {
		a, err := in.Account.out()
		if err != nil {
			writeErr(w, err)
			return
		}
		n.Account = a
	}
	if in.DefaultContractID != nil {
		if e.contracts.byID[*in.DefaultContractID] == nil {
			writeErr(w, notFound("PLATFORM_CONTRACT_NOT_FOUND", "contract not found: "+*in.DefaultContractID))
			return
		}
		n.DefaultContractID = *in.DefaultContractID
	}
	if in.Memo != nil {
		n.Memo = *in.Memo
	}
	if in.Tags != nil {
		n.Tags = append([]string{}, *in.Tags...)
	}
	if in.Type != nil {
		t, err := in.Type.out()
		if err != nil {
			writeErr(w, newAPIError(http.StatusBadRequest, "PLATFORM_INSUFFICIENT_DATA_TO_CHANGE_PARTNER_TYPE", "type: insufficient data"))
			return
		}
		n.Type = t
	}
	if in.UserDefinedProperties != nil {
		n.UserDefinedProperties = map[string]udpValue{}
		for k, v := range in.UserDefinedProperties {
			n.UserDefinedProperties[k] = v
		}
	}
	n.AppliedAt = s.stamp()
	*p = n
	e.changedPartners()
	writeJSON(w, http.StatusOK, map[string]any{"partner": p})
}

func (s *Server) archivePartner(archive bool) func(http.ResponseWriter, *http.Request, []byte) {
	return func(w http.ResponseWriter, r *http.Request, body []byte) {
		test, aerr := testMode(r, nil)
		if aerr != nil {
			writeErr(w, aerr)
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if p := partnerAt(w, r, s.env(test)); p != nil {
			p.IsArchived = archive
			s.env(test).changedPartners()
			writeJSON(w, http.StatusOK, map[string]any{"partner": p})
		}
	}
}
