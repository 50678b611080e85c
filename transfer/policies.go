package transfer

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
)

// wrapped sends body with method to path and decodes the object under key
// of the answer ({contract: ...}, {discountSharePolicy: ...}, ...).
func wrapped[T any](ctx context.Context, c *Client, method, path string, body any, key string) (T, error) {
	var zero T
	var out map[string]json.RawMessage
	if err := c.send(ctx, method, path, body, &out); err != nil {
		return zero, err
	}
	raw, ok := out[key]
	if !ok {
		return zero, fmt.Errorf("response without %q", key)
	}
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		return zero, fmt.Errorf("decode %s: %w", key, err)
	}
	return v, nil
}

func get[T any](ctx context.Context, c *Client, path string) (T, error) {
	var v T
	err := c.do(ctx, call{method: http.MethodGet, path: path}, &v)
	return v, err
}

// listItems fetches page p of the list operation at path, whose answer is
// {items, page}; what names the list in errors.
func listItems[T any](ctx context.Context, c *Client, what, path string, p PageInput, filter any) ([]T, PageInfo, error) {
	var out struct {
		Items []T      `json:"items"`
		Page  PageInfo `json:"page"`
	}
	if err := c.list(ctx, path, listBody{Page: &p, Filter: filter}, &out); err != nil {
		return nil, PageInfo{}, fmt.Errorf("transfer: list %s: %w", what, err)
	}
	return out.Items, out.Page, nil
}

// countSet counts the true values: how many branches of a one-of are set.
func countSet(set ...bool) int {
	n := 0
	for _, s := range set {
		if s {
			n++
		}
	}
	return n
}

func feeBranches(f FeeInput) int { return countSet(f.FixedRate != nil, f.FixedAmount != nil) }

func cycleBranches(m CycleMethodInput) int {
	return countSet(m.Daily != nil, m.Weekly != nil, m.Monthly != nil, m.ManualDates != nil)
}

// ---- Contracts ----

// ContractKeyword is PortOne's PlatformContractFilterInputKeyword: set at most one.
type ContractKeyword struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
}

// ContractFilter is PortOne's PlatformContractFilterInput.
type ContractFilter struct {
	PlatformFeePayers []string         `json:"platformFeePayers,omitempty"`
	CycleTypes        []string         `json:"cycleTypes,omitempty"`
	DatePolicies      []string         `json:"datePolicies,omitempty"`
	IsArchived        *bool            `json:"isArchived,omitempty"`
	Keyword           *ContractKeyword `json:"keyword,omitempty"`
}

// UpdateContractBody is PortOne's UpdatePlatformContractBody: every field
// optional; nil fields are not sent.
type UpdateContractBody struct {
	Name                     *string     `json:"name,omitempty"`
	Memo                     *string     `json:"memo,omitempty"`
	PlatformFee              *FeeInput   `json:"platformFee,omitempty"`
	SettlementCycle          *CycleInput `json:"settlementCycle,omitempty"`
	PlatformFeeVatPayer      *string     `json:"platformFeeVatPayer,omitempty"`
	SubtractPaymentVatAmount *bool       `json:"subtractPaymentVatAmount,omitempty"`
}

func validateContract(name string, fee *FeeInput, cycle *CycleInput, create bool) error {
	if create && name == "" {
		return invalid("name", "required")
	}
	if fee != nil && feeBranches(*fee) != 1 {
		return invalid("platformFee", "exactly one of fixedRate and fixedAmount, got %d", feeBranches(*fee))
	}
	if cycle != nil && cycleBranches(cycle.Method) != 1 {
		return invalid("settlementCycle.method", "exactly one of daily, weekly, monthly and manualDates, got %d", cycleBranches(cycle.Method))
	}
	return nil
}

// CreateContract creates a contract. Set b.ID so a retried create answers
// PLATFORM_CONTRACT_ALREADY_EXISTS instead of creating a second one.
// Errors: *settlement.Error INVALID_REQUEST; *APIError PLATFORM_CONTRACT_ALREADY_EXISTS, ...
func (c *Client) CreateContract(ctx context.Context, b CreateContractBody) (Contract, error) {
	if err := validateContract(b.Name, &b.PlatformFee, &b.SettlementCycle, true); err != nil {
		return Contract{}, fmt.Errorf("transfer: create contract %s: %w", b.ID, err)
	}
	v, err := wrapped[Contract](ctx, c, http.MethodPost, "/platform/contracts", b, "contract")
	if err != nil {
		return Contract{}, fmt.Errorf("transfer: create contract %s: %w", b.ID, err)
	}
	return v, nil
}

// GetContract fetches a contract. Errors: *APIError PLATFORM_CONTRACT_NOT_FOUND.
func (c *Client) GetContract(ctx context.Context, id string) (Contract, error) {
	v, err := get[Contract](ctx, c, "/platform/contracts/"+pathID(id))
	if err != nil {
		return Contract{}, fmt.Errorf("transfer: get contract %s: %w", id, err)
	}
	return v, nil
}

// UpdateContract patches a contract. Errors: *APIError
// PLATFORM_CONTRACT_NOT_FOUND, PLATFORM_ARCHIVED_CONTRACT.
func (c *Client) UpdateContract(ctx context.Context, id string, b UpdateContractBody) (Contract, error) {
	if err := validateContract("", b.PlatformFee, b.SettlementCycle, false); err != nil {
		return Contract{}, fmt.Errorf("transfer: update contract %s: %w", id, err)
	}
	v, err := wrapped[Contract](ctx, c, http.MethodPatch, "/platform/contracts/"+pathID(id), b, "contract")
	if err != nil {
		return Contract{}, fmt.Errorf("transfer: update contract %s: %w", id, err)
	}
	return v, nil
}

// ArchiveContract archives a contract. Errors: *APIError
// PLATFORM_CONTRACT_NOT_FOUND, PLATFORM_CANNOT_ARCHIVE_SCHEDULED_CONTRACT.
func (c *Client) ArchiveContract(ctx context.Context, id string) (Contract, error) {
	v, err := wrapped[Contract](ctx, c, http.MethodPost, "/platform/contracts/"+pathID(id)+"/archive", nil, "contract")
	if err != nil {
		return Contract{}, fmt.Errorf("transfer: archive contract %s: %w", id, err)
	}
	return v, nil
}

// RecoverContract recovers an archived contract. Errors: *APIError PLATFORM_CONTRACT_NOT_FOUND.
func (c *Client) RecoverContract(ctx context.Context, id string) (Contract, error) {
	v, err := wrapped[Contract](ctx, c, http.MethodPost, "/platform/contracts/"+pathID(id)+"/recover", nil, "contract")
	if err != nil {
		return Contract{}, fmt.Errorf("transfer: recover contract %s: %w", id, err)
	}
	return v, nil
}

// ListContracts fetches one page of contracts.
func (c *Client) ListContracts(ctx context.Context, p PageInput, f *ContractFilter) ([]Contract, PageInfo, error) {
	return listItems[Contract](ctx, c, "contracts", "/platform/contracts", p, filterOrNil(f))
}

// Contracts iterates over every contract matching f (nil: PortOne's default,
// unarchived).
func (c *Client) Contracts(ctx context.Context, f *ContractFilter) iter.Seq2[Contract, error] {
	return paginate(ctx, f, c.ListContracts)
}

// ---- Discount share policies ----

// PolicyKeyword is the keyword of the policy filters: set at most one
// (Fee only for additional-fee policies).
type PolicyKeyword struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
	Fee  string `json:"fee,omitempty"`
}

// DiscountSharePolicyFilter is PortOne's PlatformDiscountSharePolicyFilterInput.
type DiscountSharePolicyFilter struct {
	IsArchived        *bool          `json:"isArchived,omitempty"`
	PartnerShareRates []int64        `json:"partnerShareRates,omitempty"`
	Keyword           *PolicyKeyword `json:"keyword,omitempty"`
}

// UpdateDiscountSharePolicyBody is PortOne's UpdatePlatformDiscountSharePolicyBody.
type UpdateDiscountSharePolicyBody struct {
	Name             *string `json:"name,omitempty"`
	PartnerShareRate *int64  `json:"partnerShareRate,omitempty"`
	Memo             *string `json:"memo,omitempty"`
}

// CreateDiscountSharePolicy creates a discount share policy. Errors:
// *settlement.Error INVALID_REQUEST; *APIError PLATFORM_DISCOUNT_SHARE_POLICY_ALREADY_EXISTS.
func (c *Client) CreateDiscountSharePolicy(ctx context.Context, b CreateDiscountSharePolicyBody) (DiscountSharePolicy, error) {
	if b.Name == "" {
		return DiscountSharePolicy{}, fmt.Errorf("transfer: create discount share policy %s: %w", b.ID, invalid("name", "required"))
	}
	v, err := wrapped[DiscountSharePolicy](ctx, c, http.MethodPost, "/platform/discount-share-policies", b, "discountSharePolicy")
	if err != nil {
		return DiscountSharePolicy{}, fmt.Errorf("transfer: create discount share policy %s: %w", b.ID, err)
	}
	return v, nil
}

// GetDiscountSharePolicy fetches a discount share policy. Errors: *APIError
// PLATFORM_DISCOUNT_SHARE_POLICY_NOT_FOUND.
func (c *Client) GetDiscountSharePolicy(ctx context.Context, id string) (DiscountSharePolicy, error) {
	v, err := get[DiscountSharePolicy](ctx, c, "/platform/discount-share-policies/"+pathID(id))
	if err != nil {
		return DiscountSharePolicy{}, fmt.Errorf("transfer: get discount share policy %s: %w", id, err)
	}
	return v, nil
}

// UpdateDiscountSharePolicy patches a discount share policy.
func (c *Client) UpdateDiscountSharePolicy(ctx context.Context, id string, b UpdateDiscountSharePolicyBody) (DiscountSharePolicy, error) {
	v, err := wrapped[DiscountSharePolicy](ctx, c, http.MethodPatch, "/platform/discount-share-policies/"+pathID(id), b, "discountSharePolicy")
	if err != nil {
		return DiscountSharePolicy{}, fmt.Errorf("transfer: update discount share policy %s: %w", id, err)
	}
	return v, nil
}

// ArchiveDiscountSharePolicy archives a discount share policy.
func (c *Client) ArchiveDiscountSharePolicy(ctx context.Context, id string) (DiscountSharePolicy, error) {
	v, err := wrapped[DiscountSharePolicy](ctx, c, http.MethodPost, "/platform/discount-share-policies/"+pathID(id)+"/archive", nil, "discountSharePolicy")
	if err != nil {
		return DiscountSharePolicy{}, fmt.Errorf("transfer: archive discount share policy %s: %w", id, err)
	}
	return v, nil
}

// ListDiscountSharePolicies fetches one page of discount share policies.
func (c *Client) ListDiscountSharePolicies(ctx context.Context, p PageInput, f *DiscountSharePolicyFilter) ([]DiscountSharePolicy, PageInfo, error) {
	return listItems[DiscountSharePolicy](ctx, c, "discount share policies", "/platform/discount-share-policies", p, filterOrNil(f))
}

// DiscountSharePolicies iterates over every discount share policy matching f.
func (c *Client) DiscountSharePolicies(ctx context.Context, f *DiscountSharePolicyFilter) iter.Seq2[DiscountSharePolicy, error] {
	return paginate(ctx, f, c.ListDiscountSharePolicies)
}

// ---- Additional fee policies ----

// AdditionalFeePolicyFilter is PortOne's PlatformAdditionalFeePolicyFilterInput.
type AdditionalFeePolicyFilter struct {
	IsArchived *bool          `json:"isArchived,omitempty"`
	VatPayers  []string       `json:"vatPayers,omitempty"`
	Keyword    *PolicyKeyword `json:"keyword,omitempty"`
}

// UpdateAdditionalFeePolicyBody is PortOne's UpdatePlatformAdditionalFeePolicyBody.
type UpdateAdditionalFeePolicyBody struct {
	Fee      *FeeInput `json:"fee,omitempty"`
	Name     *string   `json:"name,omitempty"`
	Memo     *string   `json:"memo,omitempty"`
	VatPayer *string   `json:"vatPayer,omitempty"`
}

// CreateAdditionalFeePolicy creates an additional fee policy. Errors:
// *settlement.Error INVALID_REQUEST; *APIError PLATFORM_ADDITIONAL_FEE_POLICY_ALREADY_EXISTS.
func (c *Client) CreateAdditionalFeePolicy(ctx context.Context, b CreateAdditionalFeePolicyBody) (AdditionalFeePolicy, error) {
	if b.Name == "" {
		return AdditionalFeePolicy{}, fmt.Errorf("transfer: create additional fee policy %s: %w", b.ID, invalid("name", "required"))
	}
	if n := feeBranches(b.Fee); n != 1 {
		return AdditionalFeePolicy{}, fmt.Errorf("transfer: create additional fee policy %s: %w", b.ID, invalid("fee", "exactly one of fixedRate and fixedAmount, got %d", n))
	}
	v, err := wrapped[AdditionalFeePolicy](ctx, c, http.MethodPost, "/platform/additional-fee-policies", b, "additionalFeePolicy")
	if err != nil {
		return AdditionalFeePolicy{}, fmt.Errorf("transfer: create additional fee policy %s: %w", b.ID, err)
	}
	return v, nil
}

// GetAdditionalFeePolicy fetches an additional fee policy. Errors: *APIError
// PLATFORM_ADDITIONAL_FEE_POLICY_NOT_FOUND.
func (c *Client) GetAdditionalFeePolicy(ctx context.Context, id string) (AdditionalFeePolicy, error) {
	v, err := get[AdditionalFeePolicy](ctx, c, "/platform/additional-fee-policies/"+pathID(id))
	if err != nil {
		return AdditionalFeePolicy{}, fmt.Errorf("transfer: get additional fee policy %s: %w", id, err)
	}
	return v, nil
}

// UpdateAdditionalFeePolicy patches an additional fee policy.
func (c *Client) UpdateAdditionalFeePolicy(ctx context.Context, id string, b UpdateAdditionalFeePolicyBody) (AdditionalFeePolicy, error) {
	if b.Fee != nil && feeBranches(*b.Fee) != 1 {
		return AdditionalFeePolicy{}, fmt.Errorf("transfer: update additional fee policy %s: %w", id, invalid("fee", "exactly one of fixedRate and fixedAmount, got %d", feeBranches(*b.Fee)))
	}
	v, err := wrapped[AdditionalFeePolicy](ctx, c, http.MethodPatch, "/platform/additional-fee-policies/"+pathID(id), b, "additionalFeePolicy")
	if err != nil {
		return AdditionalFeePolicy{}, fmt.Errorf("transfer: update additional fee policy %s: %w", id, err)
	}
	return v, nil
}

// ArchiveAdditionalFeePolicy archives an additional fee policy.
func (c *Client) ArchiveAdditionalFeePolicy(ctx context.Context, id string) (AdditionalFeePolicy, error) {
	v, err := wrapped[AdditionalFeePolicy](ctx, c, http.MethodPost, "/platform/additional-fee-policies/"+pathID(id)+"/archive", nil, "additionalFeePolicy")
	if err != nil {
		return AdditionalFeePolicy{}, fmt.Errorf("transfer: archive additional fee policy %s: %w", id, err)
	}
	return v, nil
}

// ListAdditionalFeePolicies fetches one page of additional fee policies.
func (c *Client) ListAdditionalFeePolicies(ctx context.Context, p PageInput, f *AdditionalFeePolicyFilter) ([]AdditionalFeePolicy, PageInfo, error) {
	return listItems[AdditionalFeePolicy](ctx, c, "additional fee policies", "/platform/additional-fee-policies", p, filterOrNil(f))
}

// AdditionalFeePolicies iterates over every additional fee policy matching f.
func (c *Client) AdditionalFeePolicies(ctx context.Context, f *AdditionalFeePolicyFilter) iter.Seq2[AdditionalFeePolicy, error] {
	return paginate(ctx, f, c.ListAdditionalFeePolicies)
}
