package apiclient

import "time"

// The models below follow the wire names and requiredness of the Pieces OS
// SDK (see ../shared/pieces-os-reference.md §4). Nested objects are
// pointers, required or not; optional scalars are omitempty (or pointers
// where zero is a real value), so that an absent field is not sent (the SDKs
// drop None fields when sending). Unknown fields are ignored when decoding.
// Validate methods (validate.go) report a missing required field as an
// error, and the decoders also check required keys in the JSON itself.

// EmbeddedModelSchema is the schema marker that most models may carry.
type EmbeddedModelSchema struct {
	Migration int    `json:"migration"`
	Semantic  string `json:"semantic"` // UNKNOWN or MAJOR_0_MINOR_0_PATCH_1
}

// GroupedTimestamp is a point in time with an optional readable form.
type GroupedTimestamp struct {
	Value    time.Time            `json:"value"`
	Readable string               `json:"readable,omitempty"`
	Schema   *EmbeddedModelSchema `json:"schema,omitempty"`
}

// Theme is the user's colour theme preference.
type Theme struct {
	Dark   bool                 `json:"dark"`
	Schema *EmbeddedModelSchema `json:"schema,omitempty"`
}

// Font is the user's font size preference.
type Font struct {
	Size   int                  `json:"size"`
	Schema *EmbeddedModelSchema `json:"schema,omitempty"`
}

// Aesthetics groups the user's theme and font. It is required on every
// UserProfile.
type Aesthetics struct {
	Theme  *Theme               `json:"theme"`
	Font   *Font                `json:"font"`
	Schema *EmbeddedModelSchema `json:"schema,omitempty"`
}

// AllocationStatus is the AllocationStatusEnum of the reference.
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

// AllocationCloudStatus is the state of the personal cloud.
type AllocationCloudStatus struct {
	Cloud  AllocationStatus     `json:"cloud"`
	Schema *EmbeddedModelSchema `json:"schema,omitempty"`
}

// AllocationCloudURL is one address of the personal cloud with its status.
type AllocationCloudURL struct {
	URL    string               `json:"url"`
	Status AllocationStatus     `json:"status"`
	Schema *EmbeddedModelSchema `json:"schema,omitempty"`
}

// AllocationCloudURLs are the addresses of the personal cloud: Base and ID are
// always there, Vanity (NAME.pieces.cloud) only once a vanity name is set.
type AllocationCloudURLs struct {
	Base   *AllocationCloudURL  `json:"base"`
	ID     *AllocationCloudURL  `json:"id"`
	Vanity *AllocationCloudURL  `json:"vanity,omitempty"`
	Schema *EmbeddedModelSchema `json:"schema,omitempty"`
}

// AllocationCloud describes the user's personal cloud.
type AllocationCloud struct {
	ID      string                 `json:"id"`
	Project string                 `json:"project"`
	User    string                 `json:"user"`
	Status  *AllocationCloudStatus `json:"status"`
	URLs    *AllocationCloudURLs   `json:"urls"`
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
	Project string `json:"project"`
	Region  string `json:"region"`
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
	GlobalID         string                       `json:"global_id"`
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
	DescopeID  string                       `json:"descope_id"`
	GlobalID   string                       `json:"global_id"`
	Allocation *Auth0UserAllocationMetadata `json:"allocation,omitempty"`
	Beta       *AnonymousTemporalRange      `json:"beta,omitempty"`
	OpenAI     *Auth0OpenAIUserMetadata     `json:"open_AI,omitempty"`
	VanityName string                       `json:"vanityname,omitempty"`
	Schema     *EmbeddedModelSchema         `json:"schema,omitempty"`
}

// Score is the scoring block of flattened collections.
type Score struct {
	Manual    int                  `json:"manual"`
	Automatic int                  `json:"automatic"`
	Priority  *int                 `json:"priority,omitempty"`
	Reference *int                 `json:"reference,omitempty"`
	Reuse     *int                 `json:"reuse,omitempty"`
	Searched  *int                 `json:"searched,omitempty"`
	Update    *int                 `json:"update,omitempty"`
	Schema    *EmbeddedModelSchema `json:"schema,omitempty"`
}

// ReferencedEntity points at an entity by id.
type ReferencedEntity struct {
	ID        string               `json:"id"`
	Reference map[string]any       `json:"reference,omitempty"`
	Schema    *EmbeddedModelSchema `json:"schema,omitempty"`
}

// FlattenedEntities is a list of entity references.
type FlattenedEntities struct {
	Iterable []ReferencedEntity   `json:"iterable"`
	Indices  map[string]int       `json:"indices,omitempty"`
	Score    *Score               `json:"score,omitempty"`
	Schema   *EmbeddedModelSchema `json:"schema,omitempty"`
}

// ReferencedSubscription points at a subscription by id.
type ReferencedSubscription struct {
	ID        string               `json:"id"`
	Reference map[string]any       `json:"reference,omitempty"`
	Schema    *EmbeddedModelSchema `json:"schema,omitempty"`
}

// FlattenedSubscriptions is a list of subscription references.
type FlattenedSubscriptions struct {
	Iterable []ReferencedSubscription `json:"iterable"`
	Indices  map[string]int           `json:"indices,omitempty"`
	Score    *Score                   `json:"score,omitempty"`
	Schema   *EmbeddedModelSchema     `json:"schema,omitempty"`
}

// ExternalProviderType is the ExternalProviderTypeEnum (Auth0 provider names).
type ExternalProviderType string

// ExternalProvider is one identity provider linked to the account.
type ExternalProvider struct {
	Type        ExternalProviderType `json:"type"`
	UserID      string               `json:"user_id"`
	Created     *GroupedTimestamp    `json:"created"`
	Updated     *GroupedTimestamp    `json:"updated"`
	AccessToken string               `json:"access_token,omitempty"`
	ExpiresIn   *int                 `json:"expires_in,omitempty"`
	Connection  string               `json:"connection,omitempty"`
	IsSocial    *bool                `json:"isSocial,omitempty"`
	ProfileData map[string]any       `json:"profileData,omitempty"`
	Schema      *EmbeddedModelSchema `json:"schema,omitempty"`
}

// ExternalProviders lists the providers linked to the account.
type ExternalProviders struct {
	Iterable []ExternalProvider   `json:"iterable"`
	Schema   *EmbeddedModelSchema `json:"schema,omitempty"`
}

// UserProfile is a Pieces user as Pieces OS knows it. ID and Aesthetics are
// required.
type UserProfile struct {
	ID            string                  `json:"id"`
	Aesthetics    *Aesthetics             `json:"aesthetics"`
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
	AccessToken  string               `json:"access_token"`
	ExpiresIn    int                  `json:"expires_in"`
	TokenType    string               `json:"token_type"`
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
	User    string               `json:"user"`
	Auth0   *Auth0UserBetaStatus `json:"auth0,omitempty"`
	Descope *Auth0UserBetaStatus `json:"descope,omitempty"`
	Schema  *EmbeddedModelSchema `json:"schema,omitempty"`
}
