// The workflow canvas: vendored Vue Flow drawing the model Python sends (props `nodes`, `edges`).
// Python's EditorGraph is the authority: this component reports what the person did and never
// changes the graph itself, except the selection. User text is shown with {{ }} (escaped); the only
// v-html is sticky-note markdown, rendered with raw HTML escaped in Python and sanitised here again.
import { nextTick } from "vue";
import { VueFlow, Handle, Position, BaseEdge, EdgeLabelRenderer, getBezierPath } from "@vue-flow/core";
import { Background } from "@vue-flow/background";
import { Controls } from "@vue-flow/controls";
import { MiniMap } from "@vue-flow/minimap";
import DOMPurify from "dompurify";

// Vue Flow's ESM build reads process.env.NODE_ENV (only when warning); browsers have no `process`.
if (typeof globalThis.process === "undefined") globalThis.process = { env: { NODE_ENV: "production" } };

const STYLESHEETS = [
  "@vue-flow/core/style.css",
  "@vue-flow/core/theme-default.css",
  "@vue-flow/controls/style.css",
  "@vue-flow/minimap/style.css",
];
let stylesLoaded = null;

// Vue Flow measures nodes when they mount, so its CSS must be in place first; loaded once per page.
function loadStyles() {
  if (!stylesLoaded) {
    const links = STYLESHEETS.map(
      (name) =>
        new Promise((resolve) => {
          const link = Object.assign(document.createElement("link"), { rel: "stylesheet", href: import.meta.resolve(name) });
          link.onload = link.onerror = resolve;
          document.head.appendChild(link);
        }),
    );
    document.head.appendChild(Object.assign(document.createElement("style"), { textContent: CANVAS_CSS }));
    stylesLoaded = Promise.all(links);
  }
  return stylesLoaded;
}

function isEditable(target) {
  return !!target?.closest?.("input, textarea, select, [contenteditable=''], [contenteditable='true'], .q-dialog");
}

const clone = (value) => JSON.parse(JSON.stringify(value ?? null));
let flowCount = 0;

export default {
  components: { VueFlow, Handle, BaseEdge, EdgeLabelRenderer, Background, Controls, MiniMap },
  props: {
    nodes: { type: Array, default: () => [] },
    edges: { type: Array, default: () => [] },
    readOnly: Boolean,
    selection: { type: Object, default: null },
    dragMime: { type: String, default: "application/x-knotwork-node-type" },
  },
  emits: [
    "node_moved", "connect", "edges_removed", "nodes_removed", "node_open", "selection_changed",
    "drop", "drop_on_edge", "sticky_resized", "keyboard",
  ],
  template: `
    <div class="kw-canvas" tabindex="0" @pointermove="trackPointer" @dragover="onDragOver" @drop="onDrop">
      <VueFlow v-if="ready" :id="flowId" class="kw-flow"
          :nodes-draggable="!readOnly" :nodes-connectable="!readOnly" :elements-selectable="true"
          :edges-updatable="false" connection-mode="strict" :delete-key-code="null" :disable-keyboard-a11y="true"
          :zoom-on-double-click="false" :snap-to-grid="true" :snap-grid="[20, 20]" :min-zoom="0.1" :max-zoom="2.5"
          @pane-ready="onReady" @nodes-initialized="onInitialized"
          @node-drag-start="dragging = true" @node-drag-stop="onDragStop"
          @connect="onConnect" @node-double-click="(e) => openNode(e.node)"
          @nodes-change="onChanges" @edges-change="onChanges"
          @edge-mouse-enter="(e) => hoverEdge = e.edge.id" @edge-mouse-leave="hoverEdge = null">
        <template #node-knotwork="{ id, data, selected }">
          <div class="kw-node" :style="{ height: nodeHeight(data) + 'px' }" :title="data.message"
               :class="[data.status ? 'kw-' + data.status : '', { 'kw-disabled': data.disabled,
                        'kw-selected': selected, 'kw-trigger': data.trigger, 'kw-unknown': data.unknown }]">
            <template v-for="(label, i) in data.inputs" :key="'in-' + i">
              <Handle type="target" :id="'in-' + i" :position="Position.Left" :style="{ top: portTop(i, data.inputs.length) }" />
              <span v-if="label" class="kw-port-label kw-in" :style="{ top: portTop(i, data.inputs.length) }">{{ label }}</span>
            </template>
            <i class="material-icons kw-icon">{{ data.icon }}</i>
            <div class="kw-text">
              <div class="kw-name">{{ data.name }}</div>
              <div class="kw-subtitle">{{ data.subtitle }}</div>
              <div v-if="data.notes" class="kw-notes">{{ data.notes }}</div>
            </div>
            <span v-if="data.status === 'running'" class="kw-badge material-icons kw-spin">sync</span>
            <span v-else-if="data.status === 'success'" class="kw-badge material-icons">check_circle</span>
            <span v-else-if="data.status === 'error'" class="kw-badge material-icons">error</span>
            <template v-for="(label, i) in data.outputs" :key="'out-' + i">
              <Handle type="source" :id="'out-' + i" :position="Position.Right" :style="{ top: portTop(i, data.outputs.length) }"
                      :class="{ 'kw-error-handle': label === 'error' }" />
              <span v-if="label || portCount(id, i, data) !== undefined" class="kw-port-label kw-out"
                    :style="{ top: portTop(i, data.outputs.length) }">{{ outputLabel(label, portCount(id, i, data)) }}</span>
            </template>
          </div>
        </template>
        <template #node-sticky="{ id, data, selected }">
          <div class="kw-sticky" :class="['kw-sticky-' + data.color, { 'kw-selected': selected }]"
               :style="stickySize(id, data)" @click="followLink">
            <div class="kw-sticky-body" v-html="sanitize(data.html)"></div>
            <div v-if="!readOnly" class="kw-resize nodrag" @pointerdown.stop.prevent="startResize($event, id, data)"></div>
          </div>
        </template>
        <template #edge-knotwork="edge">
          <BaseEdge :id="edge.id" :path="edgePath(edge)[0]" :interaction-width="24"
                    :class="['kw-edge', 'kw-edge-' + (edge.data.state || 'idle'), { 'kw-edge-selected': edge.selected }]" />
          <EdgeLabelRenderer>
            <div v-if="edge.data.label || (!readOnly && (hoverEdge === edge.id || edge.selected))"
                 class="kw-edge-label nodrag nopan" :style="labelStyle(edgePath(edge))"
                 @mouseenter="hoverEdge = edge.id" @mouseleave="hoverEdge = null">
              <span v-if="edge.data.label">{{ edge.data.label }}</span>
              <button v-if="!readOnly && (hoverEdge === edge.id || edge.selected)" class="kw-edge-delete"
                      title="Delete connection" @click.stop="removeEdge(edge)">&times;</button>
            </div>
          </EdgeLabelRenderer>
        </template>
        <Background variant="dots" :gap="20" :size="1.2" />
        <Controls :show-interactive="false" />
        <MiniMap pannable zoomable :node-color="miniMapColor" />
      </VueFlow>
    </div>`,
  data() {
    return {
      Position, // template constants must live in data()
      ready: false,
      flowId: `knotwork-canvas-${++flowCount}`,
      dragging: false,
      resizing: null,
      sizes: {},
      hoverEdge: null,
      active: true,
      pointer: null,
      fitted: false,
      lastSelection: "",
      appliedSelection: 0,
      revealing: null, // names of nodes to bring into view once they are measured
      ports: {},
    };
  },
  async mounted() {
    this.onKeydown = this.onKeydown.bind(this);
    this.onPaste = this.onPaste.bind(this);
    this.onDocumentPointer = (event) => (this.active = this.$el.contains(event.target));
    document.addEventListener("keydown", this.onKeydown);
    document.addEventListener("paste", this.onPaste);
    document.addEventListener("pointerdown", this.onDocumentPointer, true);
    await loadStyles();
    this.ready = true;
  },
  unmounted() {
    document.removeEventListener("keydown", this.onKeydown);
    document.removeEventListener("paste", this.onPaste);
    document.removeEventListener("pointerdown", this.onDocumentPointer, true);
  },
  computed: {
    connectedOutputs() {
      return new Set(this.edges.map((edge) => `${edge.source}:${edge.sourceHandle}`));
    },
  },
  watch: {
    nodes() { this.sync(); },
    edges() { this.sync(); },
    selection() { this.sync(); },
  },
  methods: {
    onReady(flow) {
      this.flow = flow;
      this.sync();
    },
    // Draw Python's model. Deferred while a drag or resize is under way, so nothing jumps.
    sync() {
      if (!this.flow || this.dragging || this.resizing) return;
      const nodes = clone(this.nodes);
      this.flow.setNodes(nodes);
      this.flow.setEdges(clone(this.edges));
      this.sizes = {};
      const changed = nodes.filter((node) => {
        const ports = JSON.stringify([node.data.inputs, node.data.outputs]);
        const before = this.ports[node.id];
        this.ports[node.id] = ports;
        return before !== undefined && before !== ports;
      });
      // handles appear or vanish (onError, Merge inputs): Vue Flow must measure them again
      if (changed.length) nextTick(() => this.flow.updateNodeInternals(changed.map((node) => node.id)));
      if (this.selection && this.selection.seq !== this.appliedSelection) {
        this.appliedSelection = this.selection.seq;
        this.revealing = this.selection.reveal ? this.selection.nodes : null;
        nextTick(() => this.select(this.selection.nodes));
      }
    },
    // Runs whenever Vue Flow has measured every node: on the first drawing, and after nodes are added.
    onInitialized() {
      if (!this.fitted && this.flow.getNodes.value.length) {
        this.fitted = true;
        this.fitView();
      }
      const revealing = new Set(this.revealing || []);
      this.revealing = null;
      if (this.flow.getNodes.value.some((node) => revealing.has(node.data.name) && !this.inView(node))) this.fitView();
    },
    inView(node) {
      const { x, y, zoom } = this.flow.getViewport();
      const left = node.position.x * zoom + x;
      const top = node.position.y * zoom + y;
      return left >= 0 && top >= 0 && left + node.dimensions.width * zoom <= this.$el.clientWidth
        && top + node.dimensions.height * zoom <= this.$el.clientHeight;
    },
    fitView() {
      this.flow?.fitView({ padding: 0.2, maxZoom: 1 });
    },
    select(names) {
      const wanted = new Set(names || []);
      this.flow.removeSelectedElements();
      this.flow.addSelectedNodes(this.flow.getNodes.value.filter((node) => wanted.has(node.data.name)));
      this.emitSelection();
    },
    async writeClipboard(text) {
      try {
        await navigator.clipboard.writeText(text);
      } catch (error) {
        // not a secure context (plain http on a LAN address): fall back to the old way
        const area = Object.assign(document.createElement("textarea"), { value: text });
        area.style.position = "fixed";
        area.style.opacity = "0";
        document.body.appendChild(area);
        area.select();
        document.execCommand("copy");
        area.remove();
        this.$el.focus({ preventScroll: true });
      }
    },
    // ---- what the person did -------------------------------------------------------------------
    onDragStop(event) {
      this.dragging = false;
      const positions = {};
      for (const node of event.nodes) positions[node.data.name] = [node.position.x, node.position.y];
      if (Object.keys(positions).length) this.$emit("node_moved", { positions, drag: String(Date.now()) });
      this.sync();
    },
    onConnect(connection) {
      const ref = this.connectionRef(connection);
      if (ref) this.$emit("connect", { connection: ref });
    },
    openNode(node) {
      if (node?.data?.name) this.$emit("node_open", { node: node.data.name });
    },
    removeEdge(edge) {
      this.$emit("edges_removed", { edges: [this.connectionRef(edge)] });
    },
    onChanges(changes) {
      if (changes.some((change) => change.type === "select")) nextTick(() => this.emitSelection());
    },
    emitSelection() {
      if (!this.flow) return;
      const selection = this.selectedRefs();
      const key = JSON.stringify(selection);
      if (key === this.lastSelection) return;
      this.lastSelection = key;
      this.$emit("selection_changed", selection);
    },
    selectedRefs() {
      return {
        nodes: this.flow.getSelectedNodes.value.map((node) => node.data.name),
        edges: this.flow.getSelectedEdges.value.map((edge) => this.connectionRef(edge)).filter(Boolean),
      };
    },
    // A connection as Python knows it: node names and handle ids.
    connectionRef(connection) {
      const source = this.flow.findNode(connection.source);
      const target = this.flow.findNode(connection.target);
      if (!source || !target) return null;
      // a Connection and a GraphEdge name the handles sourceHandle; edge slot props sourceHandleId
      return { source: source.data.name, sourceHandle: connection.sourceHandle ?? connection.sourceHandleId,
               target: target.data.name, targetHandle: connection.targetHandle ?? connection.targetHandleId };
    },
    trackPointer(event) {
      if (this.flow) this.pointer = this.flow.screenToFlowCoordinate({ x: event.clientX, y: event.clientY });
    },
    onKeydown(event) {
      if (!this.active || !this.flow || isEditable(event.target) || this.$el.offsetParent === null) return;
      const key = event.key.toLowerCase();
      const mod = event.ctrlKey || event.metaKey;
      let action = null;
      if (mod && !event.altKey) {
        action = { c: "copy", x: "cut", s: "save", d: "duplicate", a: "select_all", y: "redo" }[key] ?? null;
        if (key === "z") action = event.shiftKey ? "redo" : "undo";
      } else if (!event.altKey && !event.shiftKey) {
        action = { delete: "delete", backspace: "delete", d: "disable" }[key] ?? null;
        if (key === "enter") {
          const selected = this.flow.getSelectedNodes.value;
          if (selected.length === 1) this.openNode(selected[0]);
          return;
        }
      }
      if (!action || (this.readOnly && !["copy", "select_all"].includes(action))) return;
      event.preventDefault();
      if (action === "select_all") {
        this.flow.addSelectedNodes(this.flow.getNodes.value);
        nextTick(() => this.emitSelection());
      }
      this.$emit("keyboard", { action, ...this.selectedRefs() });
    },
    onPaste(event) {
      if (!this.active || this.readOnly || isEditable(event.target) || this.$el.offsetParent === null) return;
      const text = event.clipboardData?.getData("text/plain") || "";
      if (!text.includes('"nodes"')) return; // not n8n JSON: leave the paste alone
      event.preventDefault();
      this.$emit("keyboard", { action: "paste", text, position: this.pointer, ...this.selectedRefs() });
    },
    onDragOver(event) {
      if (this.readOnly || !event.dataTransfer?.types.includes(this.dragMime)) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "copy";
    },
    onDrop(event) {
      const type = event.dataTransfer?.getData(this.dragMime);
      if (this.readOnly || !type || !this.flow) return;
      event.preventDefault();
      // the new node (200 × 64) lands centred under the pointer, not hanging off to its lower right
      const pointer = this.flow.screenToFlowCoordinate({ x: event.clientX, y: event.clientY });
      const position = { x: pointer.x - 100, y: pointer.y - 32 };
      const edge = this.edgeAt(event.clientX, event.clientY);
      if (edge) this.$emit("drop_on_edge", { type, position, edge });
      else this.$emit("drop", { type, position });
    },
    edgeAt(x, y) {
      for (const element of document.elementsFromPoint(x, y)) {
        const group = element.closest?.(".vue-flow__edge");
        const edge = group && this.$el.contains(group) ? this.flow.findEdge(group.dataset.id) : null;
        if (edge) return this.connectionRef(edge);
      }
      return null;
    },
    // ---- sticky notes ----------------------------------------------------------------------------
    sanitize(html) {
      return DOMPurify.sanitize(html || "");
    },
    followLink(event) {
      const link = event.target.closest?.("a[href]");
      if (!link) return;
      event.preventDefault();
      window.open(link.href, "_blank", "noopener,noreferrer");
    },
    stickySize(id, data) {
      const size = this.sizes[id] || data;
      return { width: size.width + "px", height: size.height + "px" };
    },
    startResize(event, id, data) {
      const zoom = this.flow.getViewport().zoom || 1;
      const start = { x: event.clientX, y: event.clientY, width: data.width, height: data.height };
      this.resizing = id;
      const move = (e) => {
        this.sizes = { ...this.sizes, [id]: {
          width: Math.max(80, Math.round(start.width + (e.clientX - start.x) / zoom)),
          height: Math.max(60, Math.round(start.height + (e.clientY - start.y) / zoom)),
        } };
      };
      const up = () => {
        window.removeEventListener("pointermove", move);
        window.removeEventListener("pointerup", up);
        this.resizing = null;
        const size = this.sizes[id];
        if (size) this.$emit("sticky_resized", { node: data.name, width: size.width, height: size.height });
      };
      window.addEventListener("pointermove", move);
      window.addEventListener("pointerup", up);
    },
    // ---- drawing helpers -------------------------------------------------------------------------
    nodeHeight(data) {
      return Math.max(64, 24 * Math.max(data.inputs.length, data.outputs.length) + 16);
    },
    portTop(index, count) {
      return `${((index + 1) * 100) / (count + 1)}%`;
    },
    // An output's item count: on its connections' labels when it has any, else beside the handle.
    portCount(id, index, data) {
      return this.connectedOutputs.has(`${id}:out-${index}`) ? undefined : data.items[index];
    },
    outputLabel(label, count) {
      if (count === undefined) return label;
      const items = count === 1 ? "1 item" : `${count} items`;
      return label ? `${label} · ${items}` : items;
    },
    edgePath(edge) {
      return getBezierPath({
        sourceX: edge.sourceX, sourceY: edge.sourceY, sourcePosition: edge.sourcePosition,
        targetX: edge.targetX, targetY: edge.targetY, targetPosition: edge.targetPosition,
      });
    },
    labelStyle(path) {
      return { transform: `translate(-50%, -50%) translate(${path[1]}px, ${path[2]}px)`, pointerEvents: "all" };
    },
    miniMapColor(node) {
      if (node.type === "sticky") return "#fde68a";
      return { error: "#ef4444", success: "#22c55e", running: "#3b82f6" }[node.data?.status] || "#94a3b8";
    },
  },
};

const CANVAS_CSS = `
.kw-canvas { position: relative; width: 100%; height: 100%; min-height: 320px; outline: none; background: #f8fafc; }
.kw-flow { width: 100%; height: 100%; }
.kw-node { position: relative; display: flex; align-items: center; gap: 10px; width: 200px; box-sizing: border-box;
  padding: 8px 12px; background: #fff; border: 2px solid #cbd5e1; border-radius: 8px; color: #0f172a; font-size: 13px; }
.kw-node.kw-trigger { border-radius: 28px 8px 8px 28px; }
.kw-node.kw-selected { border-color: #6366f1; box-shadow: 0 0 0 3px rgba(99, 102, 241, .25); }
.kw-node.kw-disabled { opacity: .5; border-style: dashed; }
.kw-node.kw-disabled .kw-name { text-decoration: line-through; }
.kw-node.kw-unknown { border-color: #f59e0b; }
.kw-node.kw-running { border-color: #3b82f6; }
.kw-node.kw-success { border-color: #22c55e; }
.kw-node.kw-error { border-color: #ef4444; }
.kw-icon { font-size: 26px; color: #475569; flex: none; }
.kw-text { min-width: 0; flex: 1; }
.kw-name { font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.kw-subtitle, .kw-notes { font-size: 11px; color: #64748b; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.kw-notes { font-style: italic; }
.kw-badge { position: absolute; top: -10px; right: -10px; font-size: 20px; background: #fff; border-radius: 50%; }
.kw-success .kw-badge { color: #22c55e; }
.kw-error .kw-badge { color: #ef4444; }
.kw-running .kw-badge { color: #3b82f6; }
.kw-spin { animation: kw-spin 1s linear infinite; }
@keyframes kw-spin { to { transform: rotate(360deg); } }
.kw-port-label { position: absolute; transform: translateY(-50%); font-size: 10px; color: #64748b; white-space: nowrap; pointer-events: none; }
.kw-port-label.kw-out { left: calc(100% + 10px); }
.kw-port-label.kw-in { right: calc(100% + 10px); }
.kw-node .vue-flow__handle { width: 10px; height: 10px; background: #64748b; border: 2px solid #fff; }
.kw-node .vue-flow__handle.kw-error-handle { background: #ef4444; }
.kw-edge { stroke: #94a3b8; stroke-width: 2; }
.kw-edge-success { stroke: #22c55e; }
.kw-edge-selected { stroke: #6366f1; }
.kw-edge-label { position: absolute; display: flex; align-items: center; gap: 4px; font-size: 11px; color: #334155;
  background: #fff; padding: 1px 6px; border-radius: 8px; border: 1px solid #e2e8f0; }
.kw-edge-delete { border: none; background: none; cursor: pointer; font-size: 14px; line-height: 1; color: #ef4444; padding: 0 2px; }
.kw-sticky { position: relative; box-sizing: border-box; padding: 10px 12px; border-radius: 6px; overflow: hidden;
  border: 1px solid rgba(0, 0, 0, .12); font-size: 13px; color: #1f2937; }
.kw-sticky.kw-selected { box-shadow: 0 0 0 2px #6366f1; }
.kw-sticky-body { height: 100%; overflow: auto; }
.kw-sticky-body h1, .kw-sticky-body h2, .kw-sticky-body h3 { margin: 0 0 6px; font-size: 1.15em; line-height: 1.3; }
.kw-sticky-body p { margin: 0 0 6px; }
.kw-sticky-body ul, .kw-sticky-body ol { margin: 0 0 6px; padding-left: 18px; }
.kw-sticky-1 { background: #fff7d6; } .kw-sticky-2 { background: #fde2d0; } .kw-sticky-3 { background: #fbd5d5; }
.kw-sticky-4 { background: #d9f2e0; } .kw-sticky-5 { background: #d6e8fb; } .kw-sticky-6 { background: #e7ddfa; }
.kw-sticky-7 { background: #eceff3; }
.kw-resize { position: absolute; right: 0; bottom: 0; width: 14px; height: 14px; cursor: nwse-resize;
  background: linear-gradient(135deg, transparent 50%, rgba(0, 0, 0, .25) 50%); }
`;
