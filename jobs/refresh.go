package jobs

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
	"github.com/settle-dev/settle/transfer"
)

// Refresh pulls the platform setting, partners, contracts and policies from
// PortOne and keeps them in the store; a contract or policy whose terms changed gets a new
// version, so every settlement records the version it applied. Partner
// account numbers are masked before anything is stored.
func (p *Pipeline) Refresh(ctx context.Context, d settlement.Date, _ RunOptions) (Counts, error) {
	c := Counts{}
	setting, err := p.api.GetSetting(ctx)
	if err != nil {
		return c, fmt.Errorf("refresh: platform setting: %w", err)
	}
	raw, _ := json.Marshal(setting)
	if err := p.st.SavePlatformSetting(ctx, store.PlatformSetting{
		AdjustSettlementDateAfterHolidayIfEarlier: setting.AdjustSettlementDateAfterHolidayIfEarlier,
		SupportsMultipleOrderTransfersPerPartner:  setting.SupportsMultipleOrderTransfersPerPartner,
		Raw:                                       raw,
	}); err != nil {
		return c, err
	}
	for w, err := range p.api.Contracts(ctx, &transfer.ContractFilter{}) {
		if err != nil {
			return c, fmt.Errorf("refresh: list contracts: %w", err)
		}
		k, err := transfer.ContractFromWire(w)
		if err != nil {
			return c, fmt.Errorf("refresh: %w", err)
		}
		raw, _ := json.Marshal(w)
		_, created, err := p.st.SaveContract(ctx, k, w.AppliedAt, raw)
		if err != nil {
			return c, err
		}
		c["contracts"]++
		if created {
			c["new_versions"]++
		}
	}
	for w, err := range p.api.DiscountSharePolicies(ctx, &transfer.DiscountSharePolicyFilter{}) {
		if err != nil {
			return c, fmt.Errorf("refresh: list discount share policies: %w", err)
		}
		d, err := transfer.DiscountSharePolicyFromWire(w)
		if err != nil {
			return c, fmt.Errorf("refresh: %w", err)
		}
		raw, _ := json.Marshal(w)
		_, created, err := p.st.SaveDiscountSharePolicy(ctx, d, w.AppliedAt, raw)
		if err != nil {
			return c, err
		}
		c["discount_share_policies"]++
		if created {
			c["new_versions"]++
		}
	}
	for w, err := range p.api.AdditionalFeePolicies(ctx, &transfer.AdditionalFeePolicyFilter{}) {
		if err != nil {
			return c, fmt.Errorf("refresh: list additional fee policies: %w", err)
		}
		a, err := transfer.AdditionalFeePolicyFromWire(w)
		if err != nil {
			return c, fmt.Errorf("refresh: %w", err)
		}
		raw, _ := json.Marshal(w)
		_, created, err := p.st.SaveAdditionalFeePolicy(ctx, a, w.AppliedAt, raw)
		if err != nil {
			return c, err
		}
		c["additional_fee_policies"]++
		if created {
			c["new_versions"]++
		}
	}
	for w, err := range p.api.Partners(ctx, &transfer.PartnerFilter{}) {
		if err != nil {
			return c, fmt.Errorf("refresh: list partners: %w", err)
		}
		w.Account.Number = transfer.MaskAccountNumber(w.Account.Number)
		raw, _ := json.Marshal(w)
		if err := p.st.SavePartner(ctx, store.Partner{ID: settlement.PartnerID(w.ID), Name: w.Name, DefaultContractID: w.DefaultContractID, Raw: raw}); err != nil {
			return c, err
		}
		c["partners"]++
	}
	return c, nil
}
