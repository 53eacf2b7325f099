package piecesos

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// models are the required-field rules of the models the simulator reads and
// writes (the reference's table, §4), one model a line. A field is written
// "name" (present and not null), "name!" (also a non-empty string) or
// "name?" (optional); ":Model" makes it an object of that model and
// "[]Model" a list of them, checked whenever present. Every model may
// carry a schema. Unknown fields are allowed, as in the SDKs.
var models = map[string]string{
	"UserProfile":     "id! aesthetics:Aesthetics allocation?:AllocationCloud auth0?:Auth0Meta descope?:DescopeMeta created?:TS updated?:TS entities?:Flattened subscriptions?:Flattened providers?:Providers",
	"Aesthetics":      "theme:Theme font:Font",
	"Theme":           "dark",
	"Font":            "size",
	"AllocationCloud": "id! project user! status:AllocStatus urls:URLs updated?:TS",
	"AllocStatus":     "cloud",
	"URLs":            "base:URL id:URL vanity?:URL",
	"URL":             "url! status",
	"Auth0Meta":       "global_id allocation?:AllocMeta beta?:Range open_AI?:Object",
	"DescopeMeta":     "descope_id global_id allocation?:AllocMeta beta?:Range open_AI?:Object",
	"AllocMeta":       "project region",
	"Range":           "from?:TS to?:TS",
	"TS":              "value",
	"Flattened":       "iterable[]Ref score?:Score",
	"Ref":             "id!",
	"Score":           "manual automatic",
	"Providers":       "iterable[]Provider",
	"Provider":        "type user_id created:TS updated:TS",
	"Schema":          "migration semantic",
	"Object":          "",
	"OAuthToken":      "access_token! expires_in token_type",
	"UserBetaStatus":  "user! auth0?:BetaStatus descope?:BetaStatus",
	"BetaStatus":      "vision?:Range",
	"Auth0User":       "user_metadata?:Auth0Meta identities?[]Object",
}

// field is one field of a rule of models.
type field struct {
	name, model              string // model: "" for a plain value
	optional, nonEmpty, list bool
}

// rules are models parsed, by model name.
var rules = func() map[string][]field {
	out := make(map[string][]field, len(models))
	for name, spec := range models {
		fs := []field{{name: "schema", model: "Schema", optional: true}}
		for _, f := range strings.Fields(spec) {
			var fd field
			f, fd.model, _ = strings.Cut(f, ":")
			if n, m, ok := strings.Cut(f, "[]"); ok {
				f, fd.model, fd.list = n, m, true
			}
			f, fd.optional = strings.CutSuffix(f, "?")
			fd.name, fd.nonEmpty = strings.CutSuffix(f, "!")
			fs = append(fs, fd)
		}
		out[name] = fs
	}
	return out
}()

// check reports the first rule of model that v breaks, naming the field
// by its path, like "aesthetics.theme.dark".
func check(v any, model, path string) error {
	obj, ok := v.(map[string]any)
	if !ok {
		if path == "" {
			return errors.New("the body must be a JSON object")
		}
		return fmt.Errorf("field %s must be an object", path)
	}
	for _, f := range rules[model] {
		p := f.name
		if path != "" {
			p = path + "." + f.name
		}
		x := obj[f.name]
		switch s, isString := x.(string); {
		case x == nil && f.optional:
			continue
		case x == nil:
			return fmt.Errorf("missing required field %s", p)
		case f.nonEmpty && isString && strings.TrimSpace(s) == "":
			return fmt.Errorf("required field %s is empty", p)
		}
		if !f.list {
			if f.model != "" {
				if err := check(x, f.model, p); err != nil {
					return err
				}
			}
			continue
		}
		list, ok := x.([]any)
		if !ok {
			return fmt.Errorf("field %s must be a list", p)
		}
		for i, e := range list {
			if err := check(e, f.model, fmt.Sprintf("%s[%d]", p, i)); err != nil {
				return err
			}
		}
	}
	return nil
}

// decodeModel checks b against the rules of model and decodes it into dst.
// It returns what is wrong, or "".
func decodeModel(b []byte, model string, dst any) string {
	if len(bytes.TrimSpace(b)) == 0 {
		return fmt.Sprintf("the request body is empty: a %s is required", model)
	}
	var v any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	err := d.Decode(&v)
	switch {
	case err != nil:
		return fmt.Sprintf("invalid %s: malformed JSON: %v", model, err)
	case d.More():
		return fmt.Sprintf("invalid %s: malformed JSON: more than one value", model)
	}
	if err := check(v, model, ""); err != nil {
		return fmt.Sprintf("invalid %s: %v", model, err)
	}
	if err := json.Unmarshal(b, dst); err != nil {
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) && ute.Field != "" {
			return fmt.Sprintf("invalid %s: field %s has the wrong type (%s where %s is expected)", model, ute.Field, ute.Value, ute.Type)
		}
		return fmt.Sprintf("invalid %s: %v", model, err)
	}
	if v, ok := dst.(interface{ Validate() error }); ok {
		if err := v.Validate(); err != nil {
			return fmt.Sprintf("invalid %s: %s", model, strings.TrimPrefix(err.Error(), "apiclient: "))
		}
	}
	return ""
}

// decodeBody reads r's body as model into dst (decodeModel). When it is
// not one it answers 400 (413 for a body over maxBodyBytes) saying what is
// wrong, and returns false.
func decodeBody(w http.ResponseWriter, r *http.Request, model string, dst any) bool {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	status, msg := http.StatusBadRequest, ""
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		status, msg = http.StatusRequestEntityTooLarge, fmt.Sprintf("the request body is larger than %d bytes", mbe.Limit)
	case err != nil:
		msg = fmt.Sprintf("could not read the %s body: %v", model, err)
	default:
		msg = decodeModel(b, model, dst)
	}
	if msg != "" {
		writeText(w, status, msg)
		return false
	}
	return true
}

// writeJSON answers status with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeText(w, http.StatusInternalServerError, "could not encode the response")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b))) // whole on the wire at a Flush
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeText answers status with a one-line text body.
func writeText(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, msg+"\n")
}
