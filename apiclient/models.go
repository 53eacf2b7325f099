package apiclient

import (
	"encoding/json"
	"slices"
	"time"
)

// The models below follow the wire names and requiredness of the Pieces OS
// SDKs (Python, Dart). The struct tags are the whole schema: `json` gives the
// wire name, and `required:"true"` marks a field the SDKs require, which
// must be present and not null (an empty string or a zero is a value).
// Nested objects are pointers, required or not; optional scalars are
// omitempty (or pointers where zero is a real value), so that an absent
// field is not sent (the SDKs drop None fields when sending). Decoding
// (decode.go) ignores unknown fields, maps unknown enum values to UNKNOWN,
// and rejects a missing required field at any level.

// EmbeddedModelSchema is the schema marker that most models may carry.
type EmbeddedModelSchema struct {
	Migration int            `json:"migration" required:"true"`
	Semantic  SchemaSemantic `json:"semantic" required:"true"`
}

// SchemaSemantic is the EmbeddedModelSchemaSemanticVersionEnum of the SDKs:
// "UNKNOWN" or "MAJOR_0_MINOR_0_PATCH_1".
type SchemaSemantic string

// UnmarshalJSON decodes a JSON string; a value this version does not know
// becomes "UNKNOWN".
func (s *SchemaSemantic) UnmarshalJSON(b []byte) error {
	return decodeEnum(b, s, "UNKNOWN", "MAJOR_0_MINOR_0_PATCH_1")
}

// GroupedTimestamp is a point in time with an optional readable form.
type GroupedTimestamp struct {
	Value    time.Time            `json:"value" required:"true"`
	Readable string               `json:"readable,omitempty"`
	Schema   *EmbeddedModelSchema `json:"schema,omitempty"`
}

// Theme is the user's colour theme preference.
type Theme struct {
	Dark   bool                 `json:"dark" required:"true"`
	Schema *EmbeddedModelSchema `json:"schema,omitempty"`
}

// Font is the user's font size preference.
type Font struct {
	Size   int                  `json:"size" required:"true"`
	Schema *EmbeddedModelSchema `json:"schema,omitempty"`
}

// Aesthetics groups the user's theme and font. It is required on every
// UserProfile.
type Aesthetics struct {
	Theme  *Theme               `json:"theme" required:"true"`
	Font   *Font                `json:"font" required:"true"`
	Schema *EmbeddedModelSchema `json:"schema,omitempty"`
}

// AllocationStatus is the AllocationStatusEnum of the SDKs.
type AllocationStatus string

// Values of AllocationStatus.
const (
	AllocationUnknown      AllocationStatus = "UNKNOWN"
	AllocationPending      AllocationStatus = "PENDING"
	AllocationRunning      AllocationStatus = "RUNNING"
	AllocationFailed       AllocationStatus = "FAILED"
	AllocationSucceeded    AllocationStatus = "SUCCEEDED"
	AllocationDisconnected AllocationStatus = "DISCONNECTED"
)

// UnmarshalJSON decodes a JSON string; a value this version does not know
// becomes AllocationUnknown.
func (s *AllocationStatus) UnmarshalJSON(b []byte) error {
	return decodeEnum(b, s, AllocationUnknown, AllocationPending, AllocationRunning,
		AllocationFailed, AllocationSucceeded, AllocationDisconnected)
}

// AllocationCloudStatus is the state of the personal cloud.
type AllocationCloudStatus struct {
	Cloud  AllocationStatus     `json:"cloud" required:"true"`
	Schema *EmbeddedModelSchema `json:"schema,omitempty"`
}

// AllocationCloudURL is one address of the personal cloud with its status.
type AllocationCloudURL struct {
	URL    string               `json:"url" required:"true"`
	Status AllocationStatus     `json:"status" required:"true"`
	Schema *EmbeddedModelSchema `json:"schema,omitempty"`
}

// AllocationCloudURLs are the addresses of the personal cloud: Base and ID are
// always there, Vanity (NAME.pieces.cloud) only once a vanity name is set.
type AllocationCloudURLs struct {
	Base   *AllocationCloudURL  `json:"base" required:"true"`
	ID     *AllocationCloudURL  `json:"id" required:"true"`
	Vanity *AllocationCloudURL  `json:"vanity,omitempty"`
	Schema *EmbeddedModelSchema `json:"schema,omitempty"`
}

// AllocationCloud describes the user's personal cloud.
type AllocationCloud struct {
	ID      string                 `json:"id" required:"true"`
	Project string                 `json:"project" required:"true"`
	User    string                 `json:"user" required:"true"`
	Status  *AllocationCloudStatus `json:"status" required:"true"`
	URLs    *AllocationCloudURLs   `json:"urls" required:"true"`
	Region  string                 `json:"region,omitempty"`
	Updated *GroupedTimestamp      `json:"updated,omitempty"`
	Version string                 `json:"version,omitempty"`
	Schema  *EmbeddedModelSchema   `json:"schema,omitempty"`
}

// AnonymousTemporalRange is a time window. Continuous means open-ended from
// From; To alone ends the window ("opted out since").
type AnonymousTemporalRange struct {
	From       *GroupedTimestamp    `json:"from,omitempty"`
	To         *GroupedTimestamp    `json:"to,omitempty"`
	Between    *bool                `json:"between,omitempty"`
	Continuous *bool                `json:"continuous,omitempty"`
	Schema     *EmbeddedModelSchema `json:"schema,omitempty"`
}

// Auth0UserAllocationMetadata names the cloud project and region of a user.
type Auth0UserAllocationMetadata struct {
	Project string `json:"project" required:"true"`
	Region  string `json:"region" required:"true"`
}

// Auth0OpenAIUserMetadata holds the user's OpenAI settings.
type Auth0OpenAIUserMetadata struct {
	APIKey          string               `json:"api_key,omitempty"`
	APIKeyName      string               `json:"api_key_name,omitempty"`
	OrganizationKey string               `json:"organization_key,omitempty"`
	Schema          *EmbeddedModelSchema `json:"schema,omitempty"`
}

// Auth0UserMetadata is the identity-provider metadata of a user, including
// the beta window and the vanity name.
type Auth0UserMetadata struct {
	GlobalID         string                       `json:"global_id" required:"true"`
	Allocation       *Auth0UserAllocationMetadata `json:"allocation,omitempty"`
	Beta             *AnonymousTemporalRange      `json:"beta,omitempty"`
	CloudKey         string                       `json:"cloud_key,omitempty"`
	OpenAI           *Auth0OpenAIUserMetadata     `json:"open_AI,omitempty"`
	StripeCustomerID string                       `json:"stripe_customer_id,omitempty"`
	VanityName       string                       `json:"vanityname,omitempty"`
	Schema           *EmbeddedModelSchema         `json:"schema,omitempty"`
}

// DescopeUserMetadata is the Descope counterpart of Auth0UserMetadata.
type DescopeUserMetadata struct {
	DescopeID  string                       `json:"descope_id" required:"true"`
	GlobalID   string                       `json:"global_id" required:"true"`
	Allocation *Auth0UserAllocationMetadata `json:"allocation,omitempty"`
	Beta       *AnonymousTemporalRange      `json:"beta,omitempty"`
	OpenAI     *Auth0OpenAIUserMetadata     `json:"open_AI,omitempty"`
	VanityName string                       `json:"vanityname,omitempty"`
	Schema     *EmbeddedModelSchema         `json:"schema,omitempty"`
}

// Score is the scoring block of flattened collections.
type Score struct {
	Manual    int                  `json:"manual" required:"true"`
	Automatic int                  `json:"automatic" required:"true"`
	Priority  *int                 `json:"priority,omitempty"`
	Reference *int                 `json:"reference,omitempty"`
	Reuse     *int                 `json:"reuse,omitempty"`
	Searched  *int                 `json:"searched,omitempty"`
	Update    *int                 `json:"update,omitempty"`
	Schema    *EmbeddedModelSchema `json:"schema,omitempty"`
}

// ReferencedEntity points at an entity by id.
type ReferencedEntity struct {
	ID        string               `json:"id" required:"true"`
	Reference map[string]any       `json:"reference,omitempty"`
	Schema    *EmbeddedModelSchema `json:"schema,omitempty"`
}

// FlattenedEntities is a list of entity references.
type FlattenedEntities struct {
	Iterable []ReferencedEntity   `json:"iterable" required:"true"`
	Indices  map[string]int       `json:"indices,omitempty"`
	Score    *Score               `json:"score,omitempty"`
	Schema   *EmbeddedModelSchema `json:"schema,omitempty"`
}

// ReferencedSubscription points at a subscription by id.
type ReferencedSubscription struct {
	ID        string               `json:"id" required:"true"`
	Reference map[string]any       `json:"reference,omitempty"`
	Schema    *EmbeddedModelSchema `json:"schema,omitempty"`
}

// FlattenedSubscriptions is a list of subscription references.
type FlattenedSubscriptions struct {
	Iterable []ReferencedSubscription `json:"iterable" required:"true"`
	Indices  map[string]int           `json:"indices,omitempty"`
	Score    *Score                   `json:"score,omitempty"`
	Schema   *EmbeddedModelSchema     `json:"schema,omitempty"`
}

// ExternalProviderType is the ExternalProviderTypeEnum of the SDKs: the
// Auth0 provider names, like "github" or "google-oauth2", or "UNKNOWN".
type ExternalProviderType string

// UnmarshalJSON decodes a JSON string; a value this version does not know
// becomes "UNKNOWN".
func (t *ExternalProviderType) UnmarshalJSON(b []byte) error {
	return decodeEnum(b, t, "UNKNOWN", "github", "google-oauth2", "bitbucket", "linkedin", "twitter",
		"facebook", "waad", "discord", "gitlab", "apple", "username_email", "slack", "microsoft")
}

// ExternalProvider is one identity provider linked to the account.
type ExternalProvider struct {
	Type        ExternalProviderType `json:"type" required:"true"`
	UserID      string               `json:"user_id" required:"true"`
	Created     *GroupedTimestamp    `json:"created" required:"true"`
	Updated     *GroupedTimestamp    `json:"updated" required:"true"`
	AccessToken string               `json:"access_token,omitempty"`
	ExpiresIn   *int                 `json:"expires_in,omitempty"`
	Connection  string               `json:"connection,omitempty"`
	IsSocial    *bool                `json:"isSocial,omitempty"`
	ProfileData map[string]any       `json:"profileData,omitempty"`
	Schema      *EmbeddedModelSchema `json:"schema,omitempty"`
}

// ExternalProviders lists the providers linked to the account.
type ExternalProviders struct {
	Iterable []ExternalProvider   `json:"iterable" required:"true"`
	Schema   *EmbeddedModelSchema `json:"schema,omitempty"`
}

// UserProfile is a Pieces user as Pieces OS knows it. ID and Aesthetics are
// required.
type UserProfile struct {
	ID            string                  `json:"id" required:"true"`
	Aesthetics    *Aesthetics             `json:"aesthetics" required:"true"`
	Allocation    *AllocationCloud        `json:"allocation,omitempty"`
	APIKeys       []string                `json:"apiKeys,omitempty"`
	Auth0         *Auth0UserMetadata      `json:"auth0,omitempty"`
	Created       *GroupedTimestamp       `json:"created,omitempty"`
	Descope       *DescopeUserMetadata    `json:"descope,omitempty"`
	Email         string                  `json:"email,omitempty"`
	Entities      *FlattenedEntities      `json:"entities,omitempty"`
	Name          string                  `json:"name,omitempty"`
	Picture       string                  `json:"picture,omitempty"`
	Providers     *ExternalProviders      `json:"providers,omitempty"`
	Schema        *EmbeddedModelSchema    `json:"schema,omitempty"`
	Subscriptions *FlattenedSubscriptions `json:"subscriptions,omitempty"`
	Updated       *GroupedTimestamp       `json:"updated,omitempty"`
	Username      string                  `json:"username,omitempty"`
	VanityName    string                  `json:"vanityname,omitempty"`
}

// ReturnedUserProfile wraps the current user; User is nil when nobody is
// signed in.
type ReturnedUserProfile struct {
	User   *UserProfile         `json:"user,omitempty"`
	Schema *EmbeddedModelSchema `json:"schema,omitempty"`
}

// Users is a list of user profiles.
type Users struct {
	Iterable []UserProfile        `json:"iterable,omitempty"`
	Schema   *EmbeddedModelSchema `json:"schema,omitempty"`
}

// OAuthToken is the body of POST /users/authenticate/from_token. TokenType
// must be "Bearer" or "UNKNOWN"; ExpiresIn is in seconds.
type OAuthToken struct {
	AccessToken  string               `json:"access_token" required:"true"`
	ExpiresIn    int                  `json:"expires_in" required:"true"`
	TokenType    string               `json:"token_type" required:"true"`
	IDToken      string               `json:"id_token,omitempty"`
	RefreshToken string               `json:"refresh_token,omitempty"`
	Scope        string               `json:"scope,omitempty"`
	Schema       *EmbeddedModelSchema `json:"schema,omitempty"`
}

// Auth0Identity is one identity of an Auth0 user.
type Auth0Identity struct {
	AccessToken string `json:"access_token,omitempty"`
	Connection  string `json:"connection,omitempty"`
	ExpiresIn   *int   `json:"expires_in,omitempty"`
	IsSocial    *bool  `json:"isSocial,omitempty"`
	Provider    string `json:"provider,omitempty"`
	UserID      string `json:"user_id,omitempty"`
}

// Auth0User is the Auth0 user record used by POST /user/select. Every field
// is optional.
type Auth0User struct {
	BlockedFor             []string           `json:"blocked_for,omitempty"`
	CreatedAt              *time.Time         `json:"created_at,omitempty"`
	Email                  string             `json:"email,omitempty"`
	EmailVerified          *bool              `json:"email_verified,omitempty"`
	FamilyName             string             `json:"family_name,omitempty"`
	GivenName              string             `json:"given_name,omitempty"`
	GuardianAuthenticators []string           `json:"guardian_authenticators,omitempty"`
	Identities             []Auth0Identity    `json:"identities,omitempty"`
	LastIP                 string             `json:"last_ip,omitempty"`
	LastLogin              *time.Time         `json:"last_login,omitempty"`
	Locale                 string             `json:"locale,omitempty"`
	LoginsCount            *int               `json:"logins_count,omitempty"`
	Name                   string             `json:"name,omitempty"`
	Nickname               string             `json:"nickname,omitempty"`
	Picture                string             `json:"picture,omitempty"`
	UpdatedAt              *time.Time         `json:"updated_at,omitempty"`
	UserID                 string             `json:"user_id,omitempty"`
	UserMetadata           *Auth0UserMetadata `json:"user_metadata,omitempty"`
	Username               string             `json:"username,omitempty"`
}

// Auth0UserBetaStatus is the beta window per feature; Vision is the only one.
type Auth0UserBetaStatus struct {
	Vision *AnonymousTemporalRange `json:"vision,omitempty"`
	Schema *EmbeddedModelSchema    `json:"schema,omitempty"`
}

// UserBetaStatus is the body and result of POST /user/beta/status.
type UserBetaStatus struct {
	User    string               `json:"user" required:"true"`
	Auth0   *Auth0UserBetaStatus `json:"auth0,omitempty"`
	Descope *Auth0UserBetaStatus `json:"descope,omitempty"`
	Schema  *EmbeddedModelSchema `json:"schema,omitempty"`
}

// decodeEnum decodes the JSON string b into e, or "UNKNOWN" when it is not
// one of known: a newer Pieces OS may send values this version does not
// know, and the SDKs map those to UNKNOWN too. JSON null leaves e alone, as
// encoding/json does for a string.
func decodeEnum[E ~string](b []byte, e *E, known ...E) error {
	if string(b) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*e = "UNKNOWN"
	if slices.Contains(known, E(s)) {
		*e = E(s)
	}
	return nil
}
