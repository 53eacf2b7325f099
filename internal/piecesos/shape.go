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

// shape is the required-field rule of one model of the reference (§4): the
// fields that must be present and not null, the non-empty strings among
// them, and the shapes of nested objects and lists of objects, which are
// checked whenever present. Unknown fields are allowed, as in the SDKs.
type shape struct {
	required []string
	nonEmpty []string
	objects  map[string]*shape
	lists    map[string]*shape
}

// shapes are the rules of the models the simulator reads and writes.
type shapes struct {
	profile   *shape
	token     *shape
	beta      *shape
	auth0User *shape
}

// newShapes builds the rules of the reference's compact table (§4).
func newShapes() shapes {
	schema := &shape{required: []string{"migration", "semantic"}}
	with := func(sh *shape) *shape { // every model may carry a schema
		if sh.objects == nil {
			sh.objects = map[string]*shape{}
		}
		sh.objects["schema"] = schema
		return sh
	}
	ts := with(&shape{required: []string{"value"}})
	url := with(&shape{required: []string{"url", "status"}, nonEmpty: []string{"url"}})
	rng := with(&shape{objects: map[string]*shape{"from": ts, "to": ts}})
	allocMeta := &shape{required: []string{"project", "region"}}
	openAI := with(&shape{})
	score := with(&shape{required: []string{"manual", "automatic"}})
	ref := with(&shape{required: []string{"id"}, nonEmpty: []string{"id"}})
	flattened := with(&shape{
		required: []string{"iterable"},
		objects:  map[string]*shape{"score": score},
		lists:    map[string]*shape{"iterable": ref},
	})
	provider := with(&shape{
		required: []string{"type", "user_id", "created", "updated"},
		objects:  map[string]*shape{"created": ts, "updated": ts},
	})
	profile := with(&shape{
		required: []string{"id", "aesthetics"},
		nonEmpty: []string{"id"},
		objects: map[string]*shape{
			"aesthetics": with(&shape{
				required: []string{"theme", "font"},
				objects: map[string]*shape{
					"theme": with(&shape{required: []string{"dark"}}),
					"font":  with(&shape{required: []string{"size"}}),
				},
			}),
			"allocation": with(&shape{
				required: []string{"id", "project", "user", "status", "urls"},
				nonEmpty: []string{"id", "user"},
				objects: map[string]*shape{
					"status":  with(&shape{required: []string{"cloud"}}),
					"urls":    with(&shape{required: []string{"base", "id"}, objects: map[string]*shape{"base": url, "id": url, "vanity": url}}),
					"updated": ts,
				},
			}),
			"auth0": with(&shape{
				required: []string{"global_id"},
				objects:  map[string]*shape{"allocation": allocMeta, "beta": rng, "open_AI": openAI},
			}),
			"descope": with(&shape{
				required: []string{"descope_id", "global_id"},
				objects:  map[string]*shape{"allocation": allocMeta, "beta": rng, "open_AI": openAI},
			}),
			"created":       ts,
			"updated":       ts,
			"entities":      flattened,
			"subscriptions": flattened,
			"providers": with(&shape{
				required: []string{"iterable"},
				lists:    map[string]*shape{"iterable": provider},
			}),
		},
	})
	betaStatus := with(&shape{objects: map[string]*shape{"vision": rng}})
	return shapes{
		profile: profile,
		token: with(&shape{
			required: []string{"access_token", "expires_in", "token_type"},
			nonEmpty: []string{"access_token"},
		}),
		beta: with(&shape{
			required: []string{"user"},
			nonEmpty: []string{"user"},
			objects:  map[string]*shape{"auth0": betaStatus, "descope": betaStatus},
		}),
		auth0User: &shape{
			objects: map[string]*shape{"user_metadata": profile.objects["auth0"]},
			lists:   map[string]*shape{"identities": {}},
		},
	}
}

// checkJSON reports the first rule b breaks: not a JSON object, or a
// missing required field (named by its path, like "aesthetics.theme.dark").
func (sh *shape) checkJSON(b []byte) error {
	var v any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return fmt.Errorf("malformed JSON: %w", err)
	}
	if d.More() {
		return errors.New("malformed JSON: more than one value")
	}
	return sh.check(v, "")
}

func (sh *shape) check(v any, path string) error {
	obj, ok := v.(map[string]any)
	if !ok {
		if path == "" {
			return errors.New("the body must be a JSON object")
		}
		return fmt.Errorf("field %s must be an object", path)
	}
	for _, k := range sh.required {
		if x, ok := obj[k]; !ok || x == nil {
			return fmt.Errorf("missing required field %s", join(path, k))
		}
	}
	for _, k := range sh.nonEmpty {
		if x, ok := obj[k].(string); ok && strings.TrimSpace(x) == "" {
			return fmt.Errorf("required field %s is empty", join(path, k))
		}
	}
	for k, sub := range sh.objects {
		if x, ok := obj[k]; ok && x != nil {
			if err := sub.check(x, join(path, k)); err != nil {
				return err
			}
		}
	}
	for k, sub := range sh.lists {
		x, ok := obj[k]
		if !ok || x == nil {
			continue
		}
		list, ok := x.([]any)
		if !ok {
			return fmt.Errorf("field %s must be a list", join(path, k))
		}
		for i, e := range list {
			if err := sub.check(e, fmt.Sprintf("%s[%d]", join(path, k), i)); err != nil {
				return err
			}
		}
	}
	return nil
}

func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

// badRequest is a request the simulator rejects with 400; its message is
// the response body.
type badRequest struct{ msg string }

func (e *badRequest) Error() string { return e.msg }

// decodeBody reads r's body as the model called name, checks it against sh
// and decodes it into dst. Errors are *badRequest (400), or 413 for a body
// over maxBodyBytes, and say what is wrong.
func decodeBody(w http.ResponseWriter, r *http.Request, name string, sh *shape, dst any) error {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return &tooLarge{limit: mbe.Limit}
		}
		return &badRequest{fmt.Sprintf("could not read the %s body: %v", name, err)}
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return &badRequest{fmt.Sprintf("the request body is empty: a %s is required", name)}
	}
	if err := sh.checkJSON(b); err != nil {
		return &badRequest{fmt.Sprintf("invalid %s: %v", name, err)}
	}
	if err := json.Unmarshal(b, dst); err != nil {
		return &badRequest{fmt.Sprintf("invalid %s: %v", name, typeError(err))}
	}
	if v, ok := dst.(interface{ Validate() error }); ok {
		if err := v.Validate(); err != nil {
			return &badRequest{fmt.Sprintf("invalid %s: %s", name, strings.TrimPrefix(err.Error(), "apiclient: "))}
		}
	}
	return nil
}

// tooLarge is a body over the limit (413).
type tooLarge struct{ limit int64 }

func (e *tooLarge) Error() string {
	return fmt.Sprintf("the request body is larger than %d bytes", e.limit)
}

// typeError words a json decoding error by field.
func typeError(err error) string {
	var ute *json.UnmarshalTypeError
	if errors.As(err, &ute) && ute.Field != "" {
		return fmt.Sprintf("field %s has the wrong type (%s where %s is expected)", ute.Field, ute.Value, ute.Type)
	}
	return err.Error()
}

// writeDecodeError answers the error of decodeBody.
func writeDecodeError(w http.ResponseWriter, err error) {
	var tl *tooLarge
	if errors.As(err, &tl) {
		writeText(w, http.StatusRequestEntityTooLarge, tl.Error())
		return
	}
	writeText(w, http.StatusBadRequest, err.Error())
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
