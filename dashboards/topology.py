"""Neighbors (LLDP, CDP) and inventory: the Topology board, and the
neighbor and inventory tables and hardware-change annotation the device
board shares with it.

The map is Grafana's built-in Node Graph panel fed by two Prometheus
queries and built-in transformations only (no plugin, no custom data
source). The panel picks its frames by field name: a frame with a
`source` field is the edges, the other the nodes; `id` is required in
both. Each query is an instant table whose labels are those fields
(label_replace), and the one number per row is renamed: the interface
count becomes the nodes' `mainstat` (converted to text, or the panel would
print it with two decimals), the utilisation the edges' `thickness`.
"""

from common import DS, GREEN_RED, SEL, Board, interface_utilisation, target, variables

# The map covers every device of the selected jobs and instances: an edge
# whose end is not a node breaks the whole panel (Grafana 10 and 11 alike).
GSEL = 'job=~"$job", instance=~"$instance"'


def label(expr, dst, replacement, src="", regex=""):
    return f'label_replace({expr}, "{dst}", "{replacement}", "{src}", "{regex}")'


def copy(expr, dst, src, regex="(.*)"):
    return label(expr, dst, "$1", src, regex)


def link_part(n):
    """Regex for `link` (`device:interface -- device:interface`, the ends in
    lexical order) capturing its nth part: 1 the first device, 2 its port,
    3 the second device, 4 its port. Device names are taken to hold no
    colon; interface names may (Junos `xe-0/0/0:1`)."""
    parts = ["[^:]*", ".*", "[^:]*", ".*"]
    parts[n - 1] = f"({parts[n - 1]})"
    return f"{parts[0]}:{parts[1]} -- {parts[2]}:{parts[3]}"


def nodes_query(sel=GSEL):
    """One row per device: id and title the device, mainstat its interface
    count (0 when it has none, e.g. down), color green when up and red
    (subtitle DOWN) when not. A `color` string needs no panel config;
    arc__ fields would take their colours from the panel's options."""
    up = f"max by (device) (netgauge_device_up{{{sel}}})"
    count = f"count by (device) (netgauge_interface_info{{{sel}}})\n  or\n  0 * {up}"
    state = (f"{label(f'{up} == 1', 'color', 'green')}\n  or\n  "
             f"{label(label(f'{up} != 1', 'color', 'red'), 'subtitle', 'DOWN')}")
    expr = f"(\n  {count}\n)\n+ on (device) group_left (color, subtitle)\n0 * (\n  {state}\n)"
    return label(copy(copy(expr, "id", "device"), "title", "device"), "secondarystat", "interfaces")


def link_utilisation(sel=GSEL):
    """Per link, the busier direction of the busier end, 0 to 1."""
    util = interface_utilisation(sel)
    ends = f'group by (device, interface, link) (netgauge_neighbor_info{{{sel}, link!=""}})'
    return f"max by (link) (\n{ends}\n* on (device, interface) group_left ()\n(\n{util}\n)\n)"


def edges_query(sel=GSEL):
    """One row per link both of whose devices are nodes: id the link,
    source and target its devices, mainstat and secondarystat their ports,
    thickness 1 px plus 5 px at full utilisation (1 px without a speed)."""
    links = f'group by (link) (netgauge_neighbor_info{{{sel}, link!=""}})'
    expr = f"1 + 5 * clamp_max(\n{link_utilisation(sel)}\nor\n0 * {links},\n1)"
    expr = copy(expr, "id", "link")
    for name, part in (("source", 1), ("mainstat", 2), ("target", 3), ("secondarystat", 4)):
        expr = copy(expr, name, "link", link_part(part))
    devices = f"group by (device) (netgauge_device_up{{{sel}}})"
    for end in ("source", "target"):
        expr = f"{expr}\nand on ({end})\n{copy(devices, end, 'device')}"
    return expr


def node_graph(b):
    b.add("nodeGraph", "Topology (links between netgauge targets)",
          [target(nodes_query(), instant=True), target(edges_query(), instant=True)], refs=["nodes", "edges"],
          w=24, h=16,
          description="Nodes: every device of the selected jobs and instances (the device filter does not apply), "
                      "its interface count inside, ringed green when up and red when down. Edges: links both of "
                      "whose ends are netgauge targets, from LLDP and CDP (`link` on netgauge_neighbor_info), "
                      "labelled with the two ports (hover), thicker the busier the link's busier direction. "
                      "Neighbors that are not targets are in the table below.",
          transformations=[
              {"id": "organize", "options": {
                  "excludeByName": {"Time": True, "device": True},
                  # Prometheus names the value "Value #<refId>" (or "Value" alone when one query answers).
                  "renameByName": {"Value #nodes": "mainstat", "Value": "mainstat", "Value #edges": "thickness",
                                   "link": "detail__link"}}},
              {"id": "convertFieldType", "options": {
                  "fields": {}, "conversions": [{"targetField": "mainstat", "destinationType": "string"}]}}])


NEIGHBOR_COLUMNS = ["device", "interface", "protocol", "remote_system", "remote_port", "remote_device", "link",
                    "remote_port_description", "remote_address", "remote_platform", "remote_capabilities",
                    "remote_chassis_id"]
INVENTORY_COLUMNS = ["device", "class", "name", "model", "serial", "hardware_revision", "firmware_revision",
                     "software_revision", "description", "entity", "parent"]


def info_table(b, title, metric, columns, one_device, description, w=24, h=9):
    hidden = {"Time": True, "Value": True, "__name__": True, "job": True, "instance": True}
    if one_device:
        hidden["device"] = True
    b.add("table", title, [target(f"{metric}{{{SEL}}}", instant=True)], w=w, h=h, description=description,
          transformations=[{"id": "organize", "options": {
              "excludeByName": hidden, "indexByName": {c: i for i, c in enumerate(columns)}}}])


def neighbors_table(b, one_device=False):
    info_table(b, "Neighbors (LLDP, CDP)", "netgauge_neighbor_info", NEIGHBOR_COLUMNS, one_device,
               "Every neighbor seen on the device's ports. remote_device: the netgauge target the neighbor is "
               "(empty for one netgauge does not poll); link: both ends, for a link between two targets. "
               "Walked every neighbors_interval (5m), so a change shows up to that late.")


def inventory_table(b, one_device=False):
    info_table(b, "Inventory (ENTITY-MIB)", "netgauge_inventory_info", INVENTORY_COLUMNS, one_device,
               "Chassis, modules, power supplies, fans and every part with a serial or model (optics). parent: "
               "the entity containing it. Walked every inventory_interval (1h), or when entLastChangeTime moves.")


def hardware_changed(sel=SEL):
    """An annotation where netgauge_inventory_fingerprint changed: the moment
    NetgaugeHardwareChanged starts (it then fires for an hour), from the
    data, so it works wherever the alert rules run. Written in both the
    current (target) and the older (top-level expr, step) form."""
    expr = f"changes(netgauge_inventory_fingerprint{{{sel}}}[$__rate_interval]) > 0"
    return {"name": "Hardware changed", "datasource": DS, "enable": True, "hide": False, "iconColor": "orange",
            "expr": expr, "step": "1m",
            "target": {"datasource": DS, "expr": expr, "interval": "1m", "refId": "Anno"},
            "titleFormat": "Hardware changed (NetgaugeHardwareChanged)",
            "textFormat": "{{device}}: a component was added, removed or swapped. Compare the inventory table "
                          "before and after.",
            "tagKeys": "device", "useValueForTime": False}


def topology():
    b = Board("netgauge-topology", "netgauge / Topology",
              "Links between the devices netgauge polls (LLDP, CDP), their neighbors, and their hardware inventory.",
              variables(), annotations=[hardware_changed()])
    b.add("stat", "Links between targets",
          [target(f'count(group by (link) (netgauge_neighbor_info{{{GSEL}, link!=""}})) or vector(0)')], w=4, h=4,
          thresholds=[{"color": "blue", "value": None}])
    b.add("stat", "Neighbors", [target(f"sum(netgauge_neighbors{{{SEL}}}) or vector(0)")], w=4, h=4,
          thresholds=[{"color": "blue", "value": None}])
    b.add("stat", "Neighbors netgauge does not poll",
          [target(f'count(netgauge_neighbor_info{{{SEL}, remote_device=""}}) or vector(0)')], w=4, h=4,
          thresholds=[{"color": "blue", "value": None}],
          description="Neighbors that matched no netgauge target: hosts, phones, access points, or a switch "
                      "nobody added yet.")
    b.add("stat", "Neighbors lost",
          [target(f'count(ALERTS{{alertname="NetgaugeNeighborLost", alertstate="firing", {SEL}}}) or vector(0)')],
          w=4, h=4, thresholds=GREEN_RED, description="NetgaugeNeighborLost firing (on the Prometheus that "
                                                      "evaluates netgauge's rules).")
    b.add("stat", "Hardware changed (last hour)",
          [target(f'count(ALERTS{{alertname="NetgaugeHardwareChanged", alertstate="firing", {SEL}}}) or vector(0)')],
          w=4, h=4, thresholds=[{"color": "green", "value": None}, {"color": "blue", "value": 1}],
          description="Devices with NetgaugeHardwareChanged firing: a module, power supply, fan or optic added, "
                      "removed or swapped in the last hour.")
    b.add("stat", "Inventory parts", [target(f"count(netgauge_inventory_info{{{SEL}}}) or vector(0)")], w=4, h=4,
          thresholds=[{"color": "blue", "value": None}])
    node_graph(b)
    b.row("Neighbors")
    neighbors_table(b)
    b.row("Inventory")
    inventory_table(b)
    b.add("table", "Age of the cached neighbor and inventory tables",
          [target(f"max by (device, collector) (netgauge_collector_cache_age_seconds{{{SEL}}})", instant=True)],
          w=12, h=8, unit="s",
          description="Neighbors and inventory are walked on their own intervals and served from a cache in between.",
          transformations=[{"id": "organize", "options": {"excludeByName": {"Time": True},
                                                          "renameByName": {"Value": "age"}}}])
    b.add("table", "Inventory parts by class and model",
          [target(f"count by (class, model) (netgauge_inventory_info{{{SEL}}})", instant=True)], w=12, h=8,
          transformations=[{"id": "organize", "options": {"excludeByName": {"Time": True},
                                                          "renameByName": {"Value": "count"}}}])
    return b
