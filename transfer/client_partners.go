package transfer

import (
	"context"
	"fmt"
	"iter"
	"net/http"
)

// CreatePartner creates a partner (POST /platform/partners). Set b.ID to
// your own partner id so that a retried create answers 409
// PLATFORM_PARTNER_ID_ALREADY_EXISTS instead of creating a second partner.
// Errors: *settlement.Error INVALID_REQUEST for a body that cannot be sent;
// *APIError (PLATFORM_PARTNER_ID_ALREADY_EXISTS, PLATFORM_CONTRACT_NOT_FOUND, ...).
func (c *Client) CreatePartner(ctx context.Context, b CreatePartnerBody) (Partner, error) {
	if err := validatePartnerBody("", &b); err != nil {
		return Partner{}, fmt.Errorf("create partner %s: %w", b.ID, err)
	}
	var out struct {
		Partner Partner `json:"partner"`
	}
	if err := c.post(ctx, "/platform/partners", b, &out); err != nil {
		return Partner{}, fmt.Errorf("create partner %s: %w", b.ID, err)
	}
	return out.Partner, nil
}

// GetPartner fetches a partner. Errors: *APIError PLATFORM_PARTNER_NOT_FOUND.
func (c *Client) GetPartner(ctx context.Context, id string) (Partner, error) {
	p, err := get[Partner](ctx, c, "/platform/partners/"+pathID(id))
	if err != nil {
		return Partner{}, fmt.Errorf("get partner %s: %w", id, err)
	}
	return p, nil
}

// UpdatePartner patches a partner; nil fields of b are left as they are.
// Errors: *APIError PLATFORM_PARTNER_NOT_FOUND, PLATFORM_ARCHIVED_PARTNER, ...
func (c *Client) UpdatePartner(ctx context.Context, id string, b UpdatePartnerBody) (Partner, error) {
	if b.Type != nil {
		if n := countSet(b.Type.Business != nil, b.Type.WhtPayer != nil, b.Type.NonWhtPayer != nil); n != 1 {
			return Partner{}, fmt.Errorf("update partner %s: %w", id, invalid("type", "exactly one of business, whtPayer and nonWhtPayer, got %d", n))
		}
	}
	var out struct {
		Partner Partner `json:"partner"`
	}
	if err := c.send(ctx, http.MethodPatch, "/platform/partners/"+pathID(id), b, &out); err != nil {
		return Partner{}, fmt.Errorf("update partner %s: %w", id, err)
	}
	return out.Partner, nil
}

// ArchivePartner archives a partner. Errors: *APIError
// PLATFORM_PARTNER_NOT_FOUND, PLATFORM_CANNOT_ARCHIVE_SCHEDULED_PARTNER, ...
func (c *Client) ArchivePartner(ctx context.Context, id string) (Partner, error) {
	var out struct {
		Partner Partner `json:"partner"`
	}
	if err := c.send(ctx, http.MethodPost, "/platform/partners/"+pathID(id)+"/archive", nil, &out); err != nil {
		return Partner{}, fmt.Errorf("archive partner %s: %w", id, err)
	}
	return out.Partner, nil
}

// listPartners fetches one page of partners.
func (c *Client) listPartners(ctx context.Context, p PageInput, f *PartnerFilter) ([]Partner, PageInfo, error) {
	return listItems[Partner](ctx, c, "partners", "/platform/partners", p, filterOrNil(f))
}

// Partners iterates over every partner matching f (nil for all), page by page.
func (c *Client) Partners(ctx context.Context, f *PartnerFilter) iter.Seq2[Partner, error] {
	return paginate(ctx, f, c.listPartners)
}
