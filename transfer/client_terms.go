package transfer

import (
	"context"
	"fmt"
	"iter"
	"net/http"
)

// The terms PortOne settles with: contracts, discount-share and
// additional-fee policies, and the platform setting.

// CreateContract creates a contract. Set b.ID so a retried create answers
// PLATFORM_CONTRACT_ALREADY_EXISTS instead of creating a second one.
// Errors: *settlement.Error INVALID_REQUEST; *APIError PLATFORM_CONTRACT_ALREADY_EXISTS, ...
func (c *Client) CreateContract(ctx context.Context, b CreateContractBody) (Contract, error) {
	if err := validateContract(b.Name, &b.PlatformFee, &b.SettlementCycle, true); err != nil {
		return Contract{}, fmt.Errorf("create contract %s: %w", b.ID, err)
	}
	v, err := wrapped[Contract](ctx, c, http.MethodPost, "/platform/contracts", b, "contract")
	if err != nil {
		return Contract{}, fmt.Errorf("create contract %s: %w", b.ID, err)
	}
	return v, nil
}

// GetContract fetches a contract. Errors: *APIError PLATFORM_CONTRACT_NOT_FOUND.
func (c *Client) GetContract(ctx context.Context, id string) (Contract, error) {
	v, err := get[Contract](ctx, c, "/platform/contracts/"+pathID(id))
	if err != nil {
		return Contract{}, fmt.Errorf("get contract %s: %w", id, err)
	}
	return v, nil
}

// UpdateContract patches a contract. Errors: *APIError
// PLATFORM_CONTRACT_NOT_FOUND, PLATFORM_ARCHIVED_CONTRACT.
func (c *Client) UpdateContract(ctx context.Context, id string, b UpdateContractBody) (Contract, error) {
	if err := validateContract("", b.PlatformFee, b.SettlementCycle, false); err != nil {
		return Contract{}, fmt.Errorf("update contract %s: %w", id, err)
	}
	v, err := wrapped[Contract](ctx, c, http.MethodPatch, "/platform/contracts/"+pathID(id), b, "contract")
	if err != nil {
		return Contract{}, fmt.Errorf("update contract %s: %w", id, err)
	}
	return v, nil
}

// ArchiveContract archives a contract. Errors: *APIError
// PLATFORM_CONTRACT_NOT_FOUND, PLATFORM_CANNOT_ARCHIVE_SCHEDULED_CONTRACT.
func (c *Client) ArchiveContract(ctx context.Context, id string) (Contract, error) {
	v, err := wrapped[Contract](ctx, c, http.MethodPost, "/platform/contracts/"+pathID(id)+"/archive", nil, "contract")
	if err != nil {
		return Contract{}, fmt.Errorf("archive contract %s: %w", id, err)
	}
	return v, nil
}

// listContracts fetches one page of contracts.
func (c *Client) listContracts(ctx context.Context, p PageInput, f *ContractFilter) ([]Contract, PageInfo, error) {
	return listItems[Contract](ctx, c, "contracts", "/platform/contracts", p, filterOrNil(f))
}

// Contracts iterates over every contract matching f (nil: PortOne's default,
// unarchived).
func (c *Client) Contracts(ctx context.Context, f *ContractFilter) iter.Seq2[Contract, error] {
	return paginate(ctx, f, c.listContracts)
}

// CreateDiscountSharePolicy creates a discount share policy. Errors:
// *settlement.Error INVALID_REQUEST; *APIError PLATFORM_DISCOUNT_SHARE_POLICY_ALREADY_EXISTS.
func (c *Client) CreateDiscountSharePolicy(ctx context.Context, b CreateDiscountSharePolicyBody) (DiscountSharePolicy, error) {
	if b.Name == "" {
		return DiscountSharePolicy{}, fmt.Errorf("create discount share policy %s: %w", b.ID, invalid("name", "required"))
	}
	v, err := wrapped[DiscountSharePolicy](ctx, c, http.MethodPost, "/platform/discount-share-policies", b, "discountSharePolicy")
	if err != nil {
		return DiscountSharePolicy{}, fmt.Errorf("create discount share policy %s: %w", b.ID, err)
	}
	return v, nil
}

// GetDiscountSharePolicy fetches a discount share policy. Errors: *APIError
// PLATFORM_DISCOUNT_SHARE_POLICY_NOT_FOUND.
func (c *Client) GetDiscountSharePolicy(ctx context.Context, id string) (DiscountSharePolicy, error) {
	v, err := get[DiscountSharePolicy](ctx, c, "/platform/discount-share-policies/"+pathID(id))
	if err != nil {
		return DiscountSharePolicy{}, fmt.Errorf("get discount share policy %s: %w", id, err)
	}
	return v, nil
}

// UpdateDiscountSharePolicy patches a discount share policy.
func (c *Client) UpdateDiscountSharePolicy(ctx context.Context, id string, b UpdateDiscountSharePolicyBody) (DiscountSharePolicy, error) {
	v, err := wrapped[DiscountSharePolicy](ctx, c, http.MethodPatch, "/platform/discount-share-policies/"+pathID(id), b, "discountSharePolicy")
	if err != nil {
		return DiscountSharePolicy{}, fmt.Errorf("update discount share policy %s: %w", id, err)
	}
	return v, nil
}

// ArchiveDiscountSharePolicy archives a discount share policy.
func (c *Client) ArchiveDiscountSharePolicy(ctx context.Context, id string) (DiscountSharePolicy, error) {
	v, err := wrapped[DiscountSharePolicy](ctx, c, http.MethodPost, "/platform/discount-share-policies/"+pathID(id)+"/archive", nil, "discountSharePolicy")
	if err != nil {
		return DiscountSharePolicy{}, fmt.Errorf("archive discount share policy %s: %w", id, err)
	}
	return v, nil
}

// listDiscountSharePolicies fetches one page of discount share policies.
func (c *Client) listDiscountSharePolicies(ctx context.Context, p PageInput, f *DiscountSharePolicyFilter) ([]DiscountSharePolicy, PageInfo, error) {
	return listItems[DiscountSharePolicy](ctx, c, "discount share policies", "/platform/discount-share-policies", p, filterOrNil(f))
}

// DiscountSharePolicies iterates over every discount share policy matching f.
func (c *Client) DiscountSharePolicies(ctx context.Context, f *DiscountSharePolicyFilter) iter.Seq2[DiscountSharePolicy, error] {
	return paginate(ctx, f, c.listDiscountSharePolicies)
}

// CreateAdditionalFeePolicy creates an additional fee policy. Errors:
// *settlement.Error INVALID_REQUEST; *APIError PLATFORM_ADDITIONAL_FEE_POLICY_ALREADY_EXISTS.
func (c *Client) CreateAdditionalFeePolicy(ctx context.Context, b CreateAdditionalFeePolicyBody) (AdditionalFeePolicy, error) {
	if b.Name == "" {
		return AdditionalFeePolicy{}, fmt.Errorf("create additional fee policy %s: %w", b.ID, invalid("name", "required"))
	}
	if n := feeBranches(b.Fee); n != 1 {
		return AdditionalFeePolicy{}, fmt.Errorf("create additional fee policy %s: %w", b.ID, invalid("fee", "exactly one of fixedRate and fixedAmount, got %d", n))
	}
	v, err := wrapped[AdditionalFeePolicy](ctx, c, http.MethodPost, "/platform/additional-fee-policies", b, "additionalFeePolicy")
	if err != nil {
		return AdditionalFeePolicy{}, fmt.Errorf("create additional fee policy %s: %w", b.ID, err)
	}
	return v, nil
}

// GetAdditionalFeePolicy fetches an additional fee policy. Errors: *APIError
// PLATFORM_ADDITIONAL_FEE_POLICY_NOT_FOUND.
func (c *Client) GetAdditionalFeePolicy(ctx context.Context, id string) (AdditionalFeePolicy, error) {
	v, err := get[AdditionalFeePolicy](ctx, c, "/platform/additional-fee-policies/"+pathID(id))
	if err != nil {
		return AdditionalFeePolicy{}, fmt.Errorf("get additional fee policy %s: %w", id, err)
	}
	return v, nil
}

// UpdateAdditionalFeePolicy patches an additional fee policy.
func (c *Client) UpdateAdditionalFeePolicy(ctx context.Context, id string, b UpdateAdditionalFeePolicyBody) (AdditionalFeePolicy, error) {
	if b.Fee != nil && feeBranches(*b.Fee) != 1 {
		return AdditionalFeePolicy{}, fmt.Errorf("update additional fee policy %s: %w", id, invalid("fee", "exactly one of fixedRate and fixedAmount, got %d", feeBranches(*b.Fee)))
	}
	v, err := wrapped[AdditionalFeePolicy](ctx, c, http.MethodPatch, "/platform/additional-fee-policies/"+pathID(id), b, "additionalFeePolicy")
	if err != nil {
		return AdditionalFeePolicy{}, fmt.Errorf("update additional fee policy %s: %w", id, err)
	}
	return v, nil
}

// ArchiveAdditionalFeePolicy archives an additional fee policy.
func (c *Client) ArchiveAdditionalFeePolicy(ctx context.Context, id string) (AdditionalFeePolicy, error) {
	v, err := wrapped[AdditionalFeePolicy](ctx, c, http.MethodPost, "/platform/additional-fee-policies/"+pathID(id)+"/archive", nil, "additionalFeePolicy")
	if err != nil {
		return AdditionalFeePolicy{}, fmt.Errorf("archive additional fee policy %s: %w", id, err)
	}
	return v, nil
}

// listAdditionalFeePolicies fetches one page of additional fee policies.
func (c *Client) listAdditionalFeePolicies(ctx context.Context, p PageInput, f *AdditionalFeePolicyFilter) ([]AdditionalFeePolicy, PageInfo, error) {
	return listItems[AdditionalFeePolicy](ctx, c, "additional fee policies", "/platform/additional-fee-policies", p, filterOrNil(f))
}

// AdditionalFeePolicies iterates over every additional fee policy matching f.
func (c *Client) AdditionalFeePolicies(ctx context.Context, f *AdditionalFeePolicyFilter) iter.Seq2[AdditionalFeePolicy, error] {
	return paginate(ctx, f, c.listAdditionalFeePolicies)
}

// UpdateSetting patches the platform setting; nil fields of b are left as
// they are. `settle calibrate` (issue #16) sets the setting of the test
// environment up for its probes with it. Errors: *settlement.Error
// INVALID_REQUEST for an empty body; *APIError INVALID_REQUEST.
func (c *Client) UpdateSetting(ctx context.Context, b UpdateSettingBody) (Setting, error) {
	if b == (UpdateSettingBody{}) {
		return Setting{}, fmt.Errorf("update platform setting: %w", invalid("", "nothing to update"))
	}
	v, err := wrapped[Setting](ctx, c, http.MethodPatch, "/platform/setting", b, "setting")
	if err != nil {
		return Setting{}, fmt.Errorf("update platform setting: %w", err)
	}
	return v, nil
}

// GetSetting fetches the platform setting. Note that when
// SupportsMultipleOrderTransfersPerPartner is true, PortOne no longer
// answers PLATFORM_TRANSFER_ALREADY_EXISTS for a second ORDER transfer of
// the same payment and partner: the client-chosen id is then the only
// duplicate guard.
func (c *Client) GetSetting(ctx context.Context) (Setting, error) {
	v, err := get[Setting](ctx, c, "/platform/setting")
	if err != nil {
		return Setting{}, fmt.Errorf("get platform setting: %w", err)
	}
	return v, nil
}
