package graphfake

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// folderProps are the mailFolder properties the fake serves.
func folderProps() []string {
	return []string{"id", "displayName", "parentFolderId", "childFolderCount",
		"unreadItemCount", "totalItemCount", "sizeInBytes", "isHidden"}
}

// pathFolder resolves the {folder} path segment.
func (c *call) pathFolder() (*folder, reply, bool) {
	f := c.mb.folder(c.r.PathValue("folder"))
	if f == nil {
		return nil, c.notFound(), false
	}
	return f, reply{}, true
}

// listFolders answers GET /mailFolders (the top level) and
// /mailFolders/{id}/childFolders, a page at a time.
func (c *call) listFolders() reply {
	parent := c.mb.root()
	if c.r.PathValue("folder") != "" {
		f, rep, ok := c.pathFolder()
		if !ok {
			return rep
		}
		parent = f
	}
	q := c.r.URL.Query()
	sel, err := parseSelect(q.Get("$select"), folderProps(), "mailFolder")
	if err != nil {
		return c.fail(http.StatusBadRequest, "RequestBroker--ParseUri", err.Error())
	}
	top, err := intParam(q, "$top")
	if err != nil {
		return c.badRequest(err.Error())
	}
	skip, err := intParam(q, "$skip")
	if err != nil {
		return c.badRequest(err.Error())
	}
	hidden := strings.EqualFold(q.Get("includeHiddenFolders"), "true")

	var all []*folder
	for _, f := range c.mb.children(parent.id) {
		if hidden || !f.hidden {
			all = append(all, f)
		}
	}
	size := c.prefs.pageSize(min(top, maxPageSize))
	value := []any{}
	for i := skip; i < len(all) && i < skip+size; i++ {
		value = append(value, c.mb.renderFolder(all[i], sel))
	}

	out := map[string]any{"@odata.context": c.userContext("mailFolders"), "value": value}
	if skip+size < len(all) {
		next := url.Values{}
		for k, v := range q {
			next[k] = v
		}
		next.Set("$top", strconv.Itoa(size))
		next.Set("$skip", strconv.Itoa(skip+size))
		out["@odata.nextLink"] = c.self(next)
	}
	return c.json(http.StatusOK, out)
}

// getFolder answers GET /mailFolders/{id}; well-known names resolve.
func (c *call) getFolder() reply {
	f, rep, ok := c.pathFolder()
	if !ok {
		return rep
	}
	sel, err := parseSelect(c.r.URL.Query().Get("$select"), folderProps(), "mailFolder")
	if err != nil {
		return c.fail(http.StatusBadRequest, "RequestBroker--ParseUri", err.Error())
	}
	out := c.mb.renderFolder(f, sel)
	out["@odata.context"] = c.userContext("mailFolders/$entity")
	return c.json(http.StatusOK, out)
}

type folderInput struct {
	DisplayName *string `json:"displayName"`
	IsHidden    bool    `json:"isHidden"`
}

// createFolder answers POST /mailFolders and /mailFolders/{id}/childFolders.
func (c *call) createFolder() reply {
	parent := c.mb.root()
	if c.r.PathValue("folder") != "" {
		f, rep, ok := c.pathFolder()
		if !ok {
			return rep
		}
		parent = f
	}
	var in folderInput
	if rep, ok := c.decode(&in); !ok {
		return rep
	}
	if in.DisplayName == nil || strings.TrimSpace(*in.DisplayName) == "" {
		return c.badRequest("The displayName of a folder must not be empty.")
	}
	f, err := c.mb.createFolder(parent, *in.DisplayName, in.IsHidden)
	if err != nil {
		return c.fail(http.StatusConflict, "ErrorFolderExists",
			"A folder with the specified name already exists.")
	}
	out := c.mb.renderFolder(f, nil)
	out["@odata.context"] = c.userContext("mailFolders/$entity")
	return c.json(http.StatusCreated, out)
}

// updateFolder answers PATCH /mailFolders/{id}: a rename.
func (c *call) updateFolder() reply {
	f, rep, ok := c.pathFolder()
	if !ok {
		return rep
	}
	var in folderInput
	if rep, ok := c.decode(&in); !ok {
		return rep
	}
	if in.DisplayName != nil {
		name := strings.TrimSpace(*in.DisplayName)
		if name == "" {
			return c.badRequest("The displayName of a folder must not be empty.")
		}
		if c.mb.siblingNamed(f.parentID, name, f) {
			return c.fail(http.StatusConflict, "ErrorFolderExists",
				"A folder with the specified name already exists.")
		}
		f.name = name
		f.changed = c.mb.bump()
	}
	out := c.mb.renderFolder(f, nil)
	out["@odata.context"] = c.userContext("mailFolders/$entity")
	return c.json(http.StatusOK, out)
}

// deleteFolder answers DELETE /mailFolders/{id}. Distinguished folders
// cannot be deleted.
func (c *call) deleteFolder() reply {
	f, rep, ok := c.pathFolder()
	if !ok {
		return rep
	}
	if f.wellKnown != "" {
		return c.fail(http.StatusBadRequest, "ErrorDeleteDistinguishedFolder",
			"Distinguished folders cannot be deleted.")
	}
	c.mb.removeFolder(f)
	return c.empty(http.StatusNoContent)
}

// errFolderExists reports a sibling with the same name.
var errFolderExists = errors.New("graphfake: a folder with that name exists")

// createFolder adds a folder named name under parent.
func (mb *mailbox) createFolder(parent *folder, name string, hidden bool) (*folder, error) {
	name = strings.TrimSpace(name)
	if mb.siblingNamed(parent.id, name, nil) {
		return nil, errFolderExists
	}
	f := &folder{id: newID("AAMkAGFk"), parentID: parent.id, name: name, hidden: hidden}
	mb.addFolder(f)
	return f, nil
}

// siblingNamed reports whether parentID has a child other than except named
// name, compared without regard to case as Exchange does.
func (mb *mailbox) siblingNamed(parentID, name string, except *folder) bool {
	for _, f := range mb.children(parentID) {
		if f != except && strings.EqualFold(f.name, name) {
			return true
		}
	}
	return false
}
