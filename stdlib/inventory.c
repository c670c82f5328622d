/*
** inventory.c -- the builtins inventory() and hosts_file(): the hosts of
** an Ansible INI inventory's group, or of a plain list, as rbk values. The
** reading is base/inventory.c's; this file turns its structs into a list
** of host maps {name, address, port, user, vars} (vm/value.h), the shape
** the fleet runtime takes. Paths are relative to where rbk runs, as for
** the other file builtins (stdlib/files.c).
*/
#include <stdio.h>
#include <stdlib.h>

#include "../base/inventory.h"
#include "../base/mem.h"
#include "natives.h"

/* fail_with renders d's diagnostics (file:line:col: error: ..., the line,
** a caret, the hint) as the call's failure. */
static int fail_with(VM *vm, const char *fn, const Diags *d) {
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  int rc;
  if (!f) return vm_fail(vm, "%s(): the inventory has errors", fn);
  diag_print_text(d, f, 0);
  fclose(f);
  while (len > 0 && text[len - 1] == '\n') text[--len] = '\0';
  rc = vm_fail(vm, "%s(): the inventory has %s:\n%s", fn, d->errors == 1 ? "an error" : "errors", text);
  free(text);
  return rc;
}

static Value str(const char *s) { return s ? val_cstr_new(s) : val_nil(); }

static Value host_value(const InvEntry *e) {
  Value kv[10], *vars = mem_alloc((2 * e->vars.n + 1) * sizeof *vars);
  size_t i;
  for (i = 0; i < e->vars.n; i++) {
    vars[2 * i] = val_cstr_new(e->vars.v[i].key);
    vars[2 * i + 1] = val_cstr_new(e->vars.v[i].val);
  }
  kv[0] = val_cstr_new("name"), kv[1] = str(e->name);
  kv[2] = val_cstr_new("address"), kv[3] = str(e->address);
  kv[4] = val_cstr_new("port"), kv[5] = e->port ? val_num(e->port) : val_nil();
  kv[6] = val_cstr_new("user"), kv[7] = str(e->user);
  kv[8] = val_cstr_new("vars"), kv[9] = val_map_new(vars, (uint32_t)e->vars.n);
  mem_free(vars);
  return val_map_new(kv, 5);
}

/* hosts reads path (ini: an INI inventory, else a list) and returns the
** hosts of group as a list of host maps. */
static int hosts(VM *vm, const char *fn, const char *path, const char *group, int ini, Value *out) {
  Source src;
  Inventory inv;
  Diags d;
  InvEntry *es = NULL;
  size_t n = 0, i;
  char why[256];
  Value *items;
  int rc;
  if (src_load(&src, path, why, sizeof why) != 0) return vm_fail(vm, "%s(): %s: %s", fn, path, why);
  diag_init(&d);
  rc = ini ? inv_read_ini(&inv, &src, &d) : inv_read_list(&inv, &src, &d);
  if (rc == 0) rc = inv_select(&inv, group, &es, &n, &d);
  if (rc != 0) {
    fail_with(vm, fn, &d);
  } else {
    items = mem_alloc((n + 1) * sizeof *items);
    for (i = 0; i < n; i++) items[i] = host_value(&es[i]);
    *out = val_list_new(items, (uint32_t)n);
    mem_free(items);
  }
  inv_entries_free(es, n);
  inv_free(&inv);
  diag_free(&d);
  src_free(&src);
  return rc == 0 ? 0 : -1;
}

int nat_inventory(VM *vm, Value *args, int argc, Value *out) {
  (void)argc;
  return hosts(vm, "inventory", AS_STR(args[0])->s, AS_STR(args[1])->s, 1, out);
}

int nat_hosts_file(VM *vm, Value *args, int argc, Value *out) {
  (void)argc;
  return hosts(vm, "hosts_file", AS_STR(args[0])->s, "all", 0, out);
}
