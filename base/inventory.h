/*
** inventory.h -- host inventories read into plain C structs: Ansible INI
** inventories and plain host lists (one host a line). The stdlib turns
** the hosts of a group into rbk values (stdlib/inventory.c); the fleet
** runtime hands them to ssh. Errors are diagnostics located in the
** inventory's text (base/diag.h).
**
** The INI form, as Ansible reads it:
**   # a comment            ; a comment too (whole lines; also after white
**                          space at the end of a host or vars line: " # x")
**   h0                     before any section: in the group "ungrouped"
**   [web]                  a group; each line a host, then key=value vars
**   web1 ansible_host=10.0.0.1 ansible_port=2222 tier="front end"
**   web[01:03].example.com a range: web01, web02, web03 (zero padding kept)
**   db[a:c] db[1:9:2]      letters a..c; numbers 1..9 in steps of 2
**   h2:2222                a port after the name (same as ansible_port)
**   [web:vars]             variables of every host in web: key=value (the
**   tier = frontend        rest of the line; a whole-quoted value unquoted)
**   [fleet:children]       groups in fleet: one group name a line
**   web
** The groups "all" (every host) and "ungrouped" (hosts in no other group)
** always exist. Group names are letters, digits, '_', '-' and '.'; host
** names must pass host_name_ok (base/hostname.h). A group is created where
** it is first named (a section or a children line); sections may repeat.
**
** A host's variables merge Ansible's way: "all", then each group the host
** is in (directly or through children) from the shallowest to the deepest
** (depth: the longest chain of parents from "all"; ties by
** ansible_group_priority, then by name), then the host's own, later lines
** over earlier ones. Values are strings, as written.
*/
#ifndef RBK_INVENTORY_H
#define RBK_INVENTORY_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "source.h"

/* At most this many hosts come out of one range pattern. */
#define INV_RANGE_MAX 100000

typedef struct InvVar {
  char *key, *val;
  uint32_t pos, end;   /* where it was set, in the inventory's text */
} InvVar;

typedef struct InvVars {
  InvVar *v;
  size_t n, cap;
} InvVars;

typedef struct InvHost {
  char *name;
  uint32_t pos, end;        /* where it first appears */
  InvVars vars;             /* its own, in order; a key set again replaces */
  size_t *groups;           /* the groups that list it directly */
  size_t ngroups, capgroups;
} InvHost;

typedef struct InvEdge {
  size_t child;
  uint32_t pos, end;        /* the children line */
} InvEdge;

typedef struct InvGroup {
  char *name;
  uint32_t pos, end;        /* where first named; 0, 0 for all and ungrouped */
  InvVars vars;
  InvEdge *children;
  size_t nchildren, capchildren;
  int depth;                /* 0 for all; 1 + the deepest parent's */
  long priority;            /* ansible_group_priority, 1 unless set */
} InvGroup;

typedef struct Inventory {
  Source *src;              /* borrowed: must outlive the inventory */
  InvHost *hosts;           /* in the order they first appear */
  size_t nhosts, caphosts;
  InvGroup *groups;         /* 0 is "all", 1 is "ungrouped" */
  size_t ngroups, capgroups;
} Inventory;

/* One host as a fleet sees it. */
typedef struct InvEntry {
  char *name;               /* as the inventory names it */
  char *address;            /* ansible_host, else the name (without a user@) */
  int port;                 /* ansible_port, 0 when not set */
  char *user;               /* ansible_user, else the user@ of the name, else NULL */
  InvVars vars;             /* every other variable, merged as above */
} InvEntry;

/* inv_read_ini reads src as an Ansible INI inventory into inv. Returns 0,
** or -1 with the errors (each located, most with a hint) added to d. */
int inv_read_ini(Inventory *inv, Source *src, Diags *d);

/* inv_read_list reads src as one host a line (blank lines and # comments
** skipped; a host may be USER@HOST) into inv's group "all". Returns 0 or
** -1 with errors in d. */
int inv_read_list(Inventory *inv, Source *src, Diags *d);

/* inv_select returns the hosts of group (through its children, too) in
** the order they first appear, each once, in *out (*n of them; free with
** inv_entries_free). Returns 0, or -1 with errors in d: no such group
** (with the groups there are), or a bad ansible_host, ansible_port or
** ansible_user (located where it was set). */
int inv_select(const Inventory *inv, const char *group, InvEntry **out, size_t *n, Diags *d);

void inv_entries_free(InvEntry *e, size_t n);
void inv_free(Inventory *inv);

#endif
