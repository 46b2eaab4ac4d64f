"""The JSON model and query shapes every netgauge dashboard shares: the
Board (panels laid out left to right, rows), targets, variables and
selectors. Used by generate.py and the boards it imports."""

DS = {"type": "prometheus", "uid": "${datasource}"}

# Selectors shared by every device query.
SEL = 'job=~"$job", instance=~"$instance", device=~"$device"'
ISEL = SEL + ', interface=~"$interface"'


def rate_guarded(metric, sel):
    """Bytes/s → bits/s; a rate above 110% of line rate is a counter glitch
    (32/64-bit switch, buggy agent), not traffic: dropped, never a spike.
    Counter resets and reboots are already handled by rate()."""
    r = f"rate({metric}{{{sel}}}[$__rate_interval])"
    return (f"8 * {r}\nunless on (device, interface, instance, job)\n"
            f"({r} > 1.1 * netgauge_interface_speed_bytes{{{sel}}} > 0)")


def interface_utilisation(sel):
    """Per interface, the busier direction's bits/s over line rate. The
    direction label keeps `or` from dropping transmit: both rates have the
    same labels, and `or` keeps only the left side's series."""
    rx = f'label_replace({rate_guarded("netgauge_interface_receive_bytes_total", sel)}, "direction", "in", "", "")'
    tx = f'label_replace({rate_guarded("netgauge_interface_transmit_bytes_total", sel)}, "direction", "out", "", "")'
    return (f"max by (device, interface) (\n{rx}\nor\n{tx}\n)\n"
            f"/ on (device, interface) max by (device, interface) (8 * netgauge_interface_speed_bytes{{{sel}}} > 0)")


def both_directions(what, sel):
    """In + out per interface. The direction label keeps `or` from dropping
    one side, and an interface that reports only one direction still counts."""
    rx = f'label_replace(rate(netgauge_interface_receive_{what}_total{{{sel}}}[$__rate_interval]), "direction", "in", "", "")'
    tx = f'label_replace(rate(netgauge_interface_transmit_{what}_total{{{sel}}}[$__rate_interval]), "direction", "out", "", "")'
    return f"sum by (device, interface) (\n  {rx}\n  or\n  {tx}\n)"


def rx_margin(sel):
    """Received light above the module's low-warning threshold, per
    interface (the worst lane): the fleet's early warning of dying optics."""
    return (f"min by (device, interface) (netgauge_transceiver_receive_power_dbm{{{sel}}})\n"
            f"- on (device, interface) max by (device, interface) "
            f"(netgauge_transceiver_threshold{{{sel}, measure=\"receive_power_dbm\", level=\"low_warning\"}})")


def target(expr, legend="", instant=False, fmt="time_series", ref="A"):
    t = {"datasource": DS, "expr": expr, "refId": ref, "legendFormat": legend or "__auto"}
    if instant:
        t.update({"instant": True, "range": False, "format": "table"})
    elif fmt != "time_series":
        t["format"] = fmt
    return t


class Board:
    def __init__(self, uid, title, description, variables, annotations=()):
        self.uid, self.title, self.description = uid, title, description
        self.variables = variables
        self.annotations = list(annotations)
        self.panels = []
        self.y = 0
        self.x = 0
        self.row_h = 0
        self.next_id = 1

    def add(self, kind, title, targets, w=12, h=8, unit=None, description="", refs=None, **extra):
        """refs: the queries' refIds (default A, B, ...)."""
        if self.x + w > 24:
            self.x, self.y = 0, self.y + self.row_h
            self.row_h = 0
        p = {
            "id": self.next_id,
            "type": kind,
            "title": title,
            "description": description,
            "datasource": DS,
            "gridPos": {"x": self.x, "y": self.y, "w": w, "h": h},
            "targets": [dict(t, refId=refs[i] if refs else chr(ord("A") + i)) for i, t in enumerate(targets)],
            "fieldConfig": {"defaults": {}, "overrides": []},
            "options": {},
        }
        if unit:
            p["fieldConfig"]["defaults"]["unit"] = unit
        if kind == "timeseries":
            p["fieldConfig"]["defaults"]["custom"] = {"drawStyle": "line", "lineWidth": 1, "fillOpacity": 10,
                                                      "spanNulls": False, "showPoints": "never"}
            p["options"] = {"legend": {"displayMode": "table", "placement": "bottom", "calcs": ["mean", "max", "lastNotNull"]},
                            "tooltip": {"mode": "multi", "sort": "desc"}}
        elif kind == "stat":
            p["options"] = {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                            "colorMode": "background", "graphMode": "none", "textMode": "auto"}
        elif kind == "table":
            p["options"] = {"showHeader": True, "cellHeight": "sm"}
        elif kind == "state-timeline":
            p["options"] = {"showValue": "never", "mergeValues": True, "rowHeight": 0.9}
            p["fieldConfig"]["defaults"]["mappings"] = [
                {"type": "value", "options": {"0": {"text": "down / failed", "color": "red"}, "1": {"text": "up / ok", "color": "green"}}}]
        for k, v in extra.items():
            if k == "thresholds":
                p["fieldConfig"]["defaults"]["thresholds"] = {"mode": "absolute", "steps": v}
                p["fieldConfig"]["defaults"]["color"] = {"mode": "thresholds"}
            elif k == "transformations":
                p["transformations"] = v
            elif k == "overrides":
                p["fieldConfig"]["overrides"] = v
            elif k == "mappings":
                p["fieldConfig"]["defaults"]["mappings"] = v
            else:
                p["options"][k] = v
        self.panels.append(p)
        self.next_id += 1
        self.x += w
        self.row_h = max(self.row_h, h)

    def row(self, title):
        self.x, self.y = 0, self.y + self.row_h
        self.row_h = 0
        self.panels.append({"id": self.next_id, "type": "row", "title": title, "collapsed": False,
                            "gridPos": {"x": 0, "y": self.y, "w": 24, "h": 1}, "panels": []})
        self.next_id += 1
        self.y += 1

    def json(self):
        return {
            "uid": self.uid,
            "title": self.title,
            "description": self.description,
            "tags": ["netgauge", "network"],
            "timezone": "browser",
            "editable": True,
            "graphTooltip": 1,
            "schemaVersion": 38,
            "version": 1,
            "refresh": "1m",
            "time": {"from": "now-6h", "to": "now"},
            "templating": {"list": self.variables},
            "annotations": {"list": self.annotations},
            "links": [{"title": "netgauge dashboards", "type": "dashboards", "tags": ["netgauge"], "asDropdown": True}],
            "panels": self.panels,
        }


def var_datasource():
    return {"name": "datasource", "label": "Data source", "type": "datasource", "query": "prometheus",
            "current": {}, "hide": 0, "refresh": 1, "regex": "", "options": []}


def var_query(name, label, query, multi=True, include_all=True):
    v = {"name": name, "label": label, "type": "query", "datasource": DS,
         "query": {"query": query, "refId": f"{name}-var"}, "definition": query,
         "refresh": 2, "sort": 1, "multi": multi, "includeAll": include_all, "current": {}, "hide": 0,
         "options": [], "regex": ""}
    if include_all:
        v["allValue"] = ".*"
    return v


def variables(device_multi=True, interface=False, interface_multi=True):
    v = [
        var_datasource(),
        var_query("job", "Job", "label_values(netgauge_device_up, job)"),
        var_query("instance", "Instance", 'label_values(netgauge_device_up{job=~"$job"}, instance)'),
        var_query("device", "Device", 'label_values(netgauge_device_up{job=~"$job", instance=~"$instance"}, device)',
                  multi=device_multi, include_all=device_multi),
    ]
    if interface:
        v.append(var_query("interface", "Interface",
                           'label_values(netgauge_interface_info{job=~"$job", instance=~"$instance", device=~"$device"}, interface)',
                           multi=interface_multi, include_all=interface_multi))
    return v


RED_GREEN = [{"color": "red", "value": None}, {"color": "green", "value": 1}]
GREEN_RED = [{"color": "green", "value": None}, {"color": "red", "value": 1}]
