package transfer

import (
	"encoding/json"
	"fmt"
	"io"
)

// ContactInput is PortOne's CreatePlatformPartnerBodyContact.
type ContactInput struct {
	Name        string `json:"name"`
	PhoneNumber string `json:"phoneNumber,omitempty"`
	Email       string `json:"email"`
}

// AccountInput is PortOne's CreatePlatformPartnerBodyAccount. Number is a
// bank account number: String and Format mask it.
type AccountInput struct {
	Bank                  string   `json:"bank"`
	Currency              Currency `json:"currency"`
	Number                string   `json:"number"`
	Holder                string   `json:"holder"`
	AccountVerificationID string   `json:"accountVerificationId,omitempty"`
}

// String shows the account with its number masked.
func (a AccountInput) String() string {
	return fmt.Sprintf("{bank: %s, currency: %s, number: %s, holder: %s}", a.Bank, a.Currency, MaskAccountNumber(a.Number), a.Holder)
}

// GoString is String, for %#v.
func (a AccountInput) GoString() string { return "transfer.AccountInput" + a.String() }

// Format prints String for every verb.
func (a AccountInput) Format(f fmt.State, verb rune) { formatMasked(f, verb, a.String(), a.GoString()) }

// BusinessInput is PortOne's CreatePlatformPartnerBodyTypeBusiness.
type BusinessInput struct {
	CompanyName                string `json:"companyName"`
	TaxationType               string `json:"taxationType,omitempty"`
	BusinessRegistrationNumber string `json:"businessRegistrationNumber"`
	RepresentativeName         string `json:"representativeName"`
	CompanyAddress             string `json:"companyAddress,omitempty"`
	BusinessType               string `json:"businessType,omitempty"`
	BusinessClass              string `json:"businessClass,omitempty"`
	CompanyVerificationID      string `json:"companyVerificationId,omitempty"`
}

// IndividualInput is PortOne's whtPayer / nonWhtPayer branch.
type IndividualInput struct {
	Birthdate string `json:"birthdate,omitempty"`
}

// PartnerTypeInput is PortOne's CreatePlatformPartnerBodyType: exactly one
// of Business, WhtPayer and NonWhtPayer.
type PartnerTypeInput struct {
	Business    *BusinessInput   `json:"business,omitempty"`
	WhtPayer    *IndividualInput `json:"whtPayer,omitempty"`
	NonWhtPayer *IndividualInput `json:"nonWhtPayer,omitempty"`
}

// PropertyValue is PortOne's PlatformUserDefinedPropertyValue.
type PropertyValue struct {
	String string `json:"string"`
}

// CreatePartnerBody is PortOne's CreatePlatformPartnerBody. Tags is
// required and goes out as [] when empty.
type CreatePartnerBody struct {
	ID                    string                   `json:"id,omitempty"`
	Name                  string                   `json:"name"`
	Contact               ContactInput             `json:"contact"`
	Account               AccountInput             `json:"account"`
	DefaultContractID     string                   `json:"defaultContractId"`
	Memo                  string                   `json:"memo,omitempty"`
	Tags                  []string                 `json:"tags"`
	Type                  PartnerTypeInput         `json:"type"`
	UserDefinedProperties map[string]PropertyValue `json:"userDefinedProperties,omitempty"`
}

// UpdateContactInput is PortOne's UpdatePlatformPartnerBodyContact.
type UpdateContactInput struct {
	Name        *string `json:"name,omitempty"`
	PhoneNumber *string `json:"phoneNumber,omitempty"`
	Email       *string `json:"email,omitempty"`
}

// UpdateBusinessInput is PortOne's UpdatePlatformPartnerBodyTypeBusiness.
type UpdateBusinessInput struct {
	CompanyName                *string `json:"companyName,omitempty"`
	TaxationType               *string `json:"taxationType,omitempty"`
	BusinessRegistrationNumber *string `json:"businessRegistrationNumber,omitempty"`
	RepresentativeName         *string `json:"representativeName,omitempty"`
	CompanyAddress             *string `json:"companyAddress,omitempty"`
	BusinessType               *string `json:"businessType,omitempty"`
	BusinessClass              *string `json:"businessClass,omitempty"`
	CompanyVerificationID      *string `json:"companyVerificationId,omitempty"`
}

// UpdatePartnerTypeInput is PortOne's UpdatePlatformPartnerBodyType: at most
// one branch; a branch other than the partner's changes its type.
type UpdatePartnerTypeInput struct {
	Business    *UpdateBusinessInput `json:"business,omitempty"`
	WhtPayer    *IndividualInput     `json:"whtPayer,omitempty"`
	NonWhtPayer *IndividualInput     `json:"nonWhtPayer,omitempty"`
}

// UpdatePartnerBody is PortOne's UpdatePlatformPartnerBody: every field
// optional; nil fields are not sent and stay as they are.
type UpdatePartnerBody struct {
	Name                  *string                  `json:"name,omitempty"`
	Contact               *UpdateContactInput      `json:"contact,omitempty"`
	Account               *AccountInput            `json:"account,omitempty"`
	DefaultContractID     *string                  `json:"defaultContractId,omitempty"`
	Memo                  *string                  `json:"memo,omitempty"`
	Tags                  *[]string                `json:"tags,omitempty"`
	Type                  *UpdatePartnerTypeInput  `json:"type,omitempty"`
	UserDefinedProperties map[string]PropertyValue `json:"userDefinedProperties,omitempty"`
}

// Contact is PortOne's PlatformContact.
type Contact struct {
	Name        string `json:"name"`
	PhoneNumber string `json:"phoneNumber,omitempty"`
	Email       string `json:"email"`
}

// Account is PortOne's PlatformAccount. Number is masked by String and
// Format; Status is kept as sent (unknown values survive).
type Account struct {
	Bank     string   `json:"bank"`
	Currency Currency `json:"currency"`
	Number   string   `json:"number"`
	Holder   string   `json:"holder"`
	Status   string   `json:"status"`
}

// String shows the account with its number masked.
func (a Account) String() string {
	return fmt.Sprintf("{bank: %s, currency: %s, number: %s, holder: %s, status: %s}", a.Bank, a.Currency, MaskAccountNumber(a.Number), a.Holder, a.Status)
}

// GoString is String, for %#v.
func (a Account) GoString() string { return "transfer.Account" + a.String() }

// Format prints String for every verb.
func (a Account) Format(f fmt.State, verb rune) { formatMasked(f, verb, a.String(), a.GoString()) }

func formatMasked(f fmt.State, verb rune, s, gs string) {
	if verb == 'v' && f.Flag('#') {
		io.WriteString(f, gs)
		return
	}
	io.WriteString(f, s)
}

// MaskAccountNumber keeps the last four characters of an account number
// and replaces the rest with '*'.
func MaskAccountNumber(n string) string {
	r := []rune(n)
	keep := 4
	if len(r) <= keep {
		keep = len(r) / 2
	}
	for i := 0; i < len(r)-keep; i++ {
		if r[i] != '-' {
			r[i] = '*'
		}
	}
	return string(r)
}

// PartnerType is PortOne's PlatformPartnerType, the union of its branches
// by Type (BUSINESS, WHT_PAYER, NON_WHT_PAYER, or a type added later: kept
// as sent). Fields of other branches stay zero.
type PartnerType struct {
	Type string `json:"type"`

	// BUSINESS.
	CompanyName                         string `json:"companyName,omitempty"`
	TaxationType                        string `json:"taxationType,omitempty"`
	BusinessStatus                      string `json:"businessStatus,omitempty"`
	BusinessRegistrationNumber          string `json:"businessRegistrationNumber,omitempty"`
	RepresentativeName                  string `json:"representativeName,omitempty"`
	CompanyAddress                      string `json:"companyAddress,omitempty"`
	BusinessType                        string `json:"businessType,omitempty"`
	BusinessClass                       string `json:"businessClass,omitempty"`
	MemberCompanyConnectionStatus       string `json:"memberCompanyConnectionStatus,omitempty"`
	MemberCompanyConnectionFailedReason string `json:"memberCompanyConnectionFailedReason,omitempty"`

	// WHT_PAYER and NON_WHT_PAYER.
	Birthdate string `json:"birthdate,omitempty"`

	// Extra keeps the fields of branches added later.
	Extra map[string]json.RawMessage `json:"-"`
}

// UnmarshalJSON keeps unknown fields in Extra.
func (t *PartnerType) UnmarshalJSON(data []byte) error {
	type plain PartnerType
	return unmarshalKeeping(data, (*plain)(t), &t.Extra)
}

// MarshalJSON encodes the partner type with its Extra fields.
func (t PartnerType) MarshalJSON() ([]byte, error) {
	type plain PartnerType
	return marshalKeeping(plain(t), t.Extra)
}

// Partner is PortOne's PlatformPartner. Unknown fields are kept in Extra.
type Partner struct {
	ID                    string                   `json:"id"`
	GraphqlID             string                   `json:"graphqlId"`
	Name                  string                   `json:"name"`
	Contact               Contact                  `json:"contact"`
	Account               Account                  `json:"account"`
	Status                string                   `json:"status"`
	DefaultContractID     string                   `json:"defaultContractId"`
	Memo                  string                   `json:"memo,omitempty"`
	Tags                  []string                 `json:"tags"`
	Type                  PartnerType              `json:"type"`
	IsArchived            bool                     `json:"isArchived"`
	AppliedAt             string                   `json:"appliedAt"`
	UserDefinedProperties map[string]PropertyValue `json:"userDefinedProperties"`
	IsForTest             bool                     `json:"isForTest"`

	Extra map[string]json.RawMessage `json:"-"`
}

// PartnerKeyword is PortOne's PlatformPartnerFilterInputKeyword: set at most one.
type PartnerKeyword struct {
	ID                         string `json:"id,omitempty"`
	Name                       string `json:"name,omitempty"`
	Email                      string `json:"email,omitempty"`
	BusinessRegistrationNumber string `json:"businessRegistrationNumber,omitempty"`
	DefaultContractID          string `json:"defaultContractId,omitempty"`
	Memo                       string `json:"memo,omitempty"`
	AccountNumber              string `json:"accountNumber,omitempty"`
	AccountHolder              string `json:"accountHolder,omitempty"`
}

// PartnerFilter is PortOne's PlatformPartnerFilterInput.
type PartnerFilter struct {
	IsArchived                      *bool           `json:"isArchived,omitempty"`
	Tags                            []string        `json:"tags,omitempty"`
	Banks                           []string        `json:"banks,omitempty"`
	AccountCurrencies               []Currency      `json:"accountCurrencies,omitempty"`
	IDs                             []string        `json:"ids,omitempty"`
	ContractIDs                     []string        `json:"contractIds,omitempty"`
	AccountStatuses                 []string        `json:"accountStatuses,omitempty"`
	BusinessStatuses                []string        `json:"businessStatuses,omitempty"`
	Types                           []string        `json:"types,omitempty"`
	TaxationTypes                   []string        `json:"taxationTypes,omitempty"`
	MemberCompanyConnectionStatuses []string        `json:"memberCompanyConnectionStatuses,omitempty"`
	Keyword                         *PartnerKeyword `json:"keyword,omitempty"`
}
