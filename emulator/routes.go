package emulator

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/settle-dev/settle/transfer"
)

type apiHandler func(w http.ResponseWriter, r *http.Request, body []byte)

func (s *Server) routes() {
	mux := http.NewServeMux()
	h := func(pattern string, fn apiHandler) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			fn(w, r, bodyOf(r))
		})
	}
	// Transfers.
	h("POST /platform/transfers/order", s.createOrder)
	h("POST /platform/transfers/order-cancel", s.createCancel)
	h("POST /platform/transfers/manual", s.createManual)
	h("GET /platform/transfers/{id}", s.getTransfer)
	h("DELETE /platform/transfers/{id}", s.deleteTransfer)
	h("GET /platform/transfer-summaries", s.listSummaries)

	// Partners.
	h("POST /platform/partners", s.createPartner)
	h("POST /platform/partners/batch", s.createPartners)
	h("GET /platform/partners", s.listPartners)
	h("GET /platform/partners/{id}", s.getPartner)
	h("PATCH /platform/partners/{id}", s.updatePartner)
	h("POST /platform/partners/{id}/archive", s.archivePartner(true))
	h("POST /platform/partners/{id}/recover", s.archivePartner(false))

	// Contracts and policies.
	h("POST /platform/contracts", contractKind.create(s))
	h("GET /platform/contracts", contractKind.list(s))
	h("GET /platform/contracts/{id}", contractKind.get(s))
	h("PATCH /platform/contracts/{id}", contractKind.update(s))
	h("POST /platform/contracts/{id}/archive", contractKind.archive(s, true))
	h("POST /platform/contracts/{id}/recover", contractKind.archive(s, false))

	h("POST /platform/discount-share-policies", dspKind.create(s))
	h("GET /platform/discount-share-policies", dspKind.list(s))
	h("GET /platform/discount-share-policies/{id}", dspKind.get(s))
	h("PATCH /platform/discount-share-policies/{id}", dspKind.update(s))
	h("POST /platform/discount-share-policies/{id}/archive", dspKind.archive(s, true))
	h("POST /platform/discount-share-policies/{id}/recover", dspKind.archive(s, false))

	h("POST /platform/additional-fee-policies", afpKind.create(s))
	h("GET /platform/additional-fee-policies", afpKind.list(s))
	h("GET /platform/additional-fee-policies/{id}", afpKind.get(s))
	h("PATCH /platform/additional-fee-policies/{id}", afpKind.update(s))
	h("POST /platform/additional-fee-policies/{id}/archive", afpKind.archive(s, true))
	h("POST /platform/additional-fee-policies/{id}/recover", afpKind.archive(s, false))

	// Platform setting.
	h("GET /platform/setting", s.getSetting)
	h("PATCH /platform/setting", s.updateSetting)

	// Partner settlements and payouts, built from the transfers (payouts.go).
	h("GET /platform/partner-settlements", s.listPartnerSettlements)
	h("GET /platform/payouts", s.listPayouts)

	h("/", func(w http.ResponseWriter, r *http.Request, _ []byte) {
		writeErr(w, newAPIError(http.StatusNotFound, "NOT_FOUND", fmt.Sprintf("the emulator does not serve %s %s", r.Method, r.URL.Path)))
	})
	s.mux = mux
}

// SeedData is the seed file of `settle emulator`: the objects created, in
// this order, in both the test and the live environment. Each entry is the
// body of the corresponding PortOne create call (or, for Setting, of PATCH
// /platform/setting).
type SeedData struct {
	Contracts             []transfer.CreateContractBody            `json:"contracts"`
	DiscountSharePolicies []transfer.CreateDiscountSharePolicyBody `json:"discountSharePolicies"`
	AdditionalFeePolicies []transfer.CreateAdditionalFeePolicyBody `json:"additionalFeePolicies"`
	Partners              []json.RawMessage                        `json:"partners"`
	Setting               json.RawMessage                          `json:"setting"`
}

// Seed reads a JSON SeedData and creates its objects in both environments.
func (s *Server) Seed(r io.Reader) error {
	var d SeedData
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	return s.SeedWith(d)
}

// SeedWith creates d's objects in both environments.
func (s *Server) SeedWith(d SeedData) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.envs {
		for i, c := range d.Contracts {
			if _, aerr := contractKind.add(s, e, c); aerr != nil {
				return fmt.Errorf("seed: contracts[%d]: %s", i, aerr.body)
			}
		}
		for i, p := range d.DiscountSharePolicies {
			if _, aerr := dspKind.add(s, e, p); aerr != nil {
				return fmt.Errorf("seed: discountSharePolicies[%d]: %s", i, aerr.body)
			}
		}
		for i, p := range d.AdditionalFeePolicies {
			if _, aerr := afpKind.add(s, e, p); aerr != nil {
				return fmt.Errorf("seed: additionalFeePolicies[%d]: %s", i, aerr.body)
			}
		}
		for i, raw := range d.Partners {
			var in partnerInput
			if err := json.Unmarshal(raw, &in); err != nil {
				return fmt.Errorf("seed: partners[%d]: %w", i, err)
			}
			if in.ID != "" && e.partners[in.ID] != nil {
				return fmt.Errorf("seed: partners[%d]: id %q already exists", i, in.ID)
			}
			p, aerr := s.newPartner(e, in)
			if aerr != nil {
				return fmt.Errorf("seed: partners[%d]: %s", i, aerr.body)
			}
			e.addPartner(p)
		}
		if len(d.Setting) > 0 {
			var u settingUpdate
			if err := json.Unmarshal(d.Setting, &u); err != nil {
				return fmt.Errorf("seed: setting: %w", err)
			}
			if aerr := u.apply(&e.setting); aerr != nil {
				return fmt.Errorf("seed: setting: %s", aerr.body)
			}
			e.changedTerms()
		}
	}
	return nil
}
