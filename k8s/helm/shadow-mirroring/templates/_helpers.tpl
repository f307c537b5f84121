{{/*
Labels every object of the release carries. The demo app keeps the seed's "app" and "version"
labels on top (kubectl logs -l version=shadow), so they are added where needed, not here.
*/}}
{{- define "shadow-mirroring.labels" -}}
app.kubernetes.io/part-of: shadow-mirroring
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 }}
{{- end -}}

{{/*
Cluster-scoped objects (ClusterRole, ClusterRoleBinding) share one name space across the whole
cluster, so their name carries the release namespace as well as the release name.
*/}}
{{- define "shadow-mirroring.clusterName" -}}
{{- printf "%s-%s-xds-server" .Release.Namespace .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The mirror percentage as text, exactly as the annotation will carry it. */}}
{{- define "shadow-mirroring.percentage" -}}
{{- toString .Values.mirroring.percentage -}}
{{- end -}}

{{/* host:port of the xds-server that Envoy is to connect to. */}}
{{- define "shadow-mirroring.xdsAddress" -}}
{{- if .Values.envoy.xdsAddress -}}
{{- .Values.envoy.xdsAddress -}}
{{- else -}}
{{- printf "xds-server.%s.svc.cluster.local:%v" .Release.Namespace .Values.xdsServer.ports.xds -}}
{{- end -}}
{{- end -}}

{{/*
Checks that span several values (the schema checks single ones). Each failure is one line that
names the values to change, so a bad "helm upgrade" stops before anything is applied.
*/}}
{{- define "shadow-mirroring.validate" -}}
{{- $v := .Values -}}
{{- if not (or $v.production.enabled $v.shadow.enabled) -}}
{{- fail "production.enabled and shadow.enabled are both false: nothing would serve app-service" -}}
{{- end -}}
{{- if and $v.mirroring.enabled (not $v.shadow.enabled) -}}
{{- fail "mirroring.enabled=true needs shadow.enabled=true: there is no shadow to mirror to" -}}
{{- end -}}
{{- if and $v.mirroring.enabled (not $v.production.enabled) -}}
{{- fail "mirroring.enabled=true needs production.enabled=true: with production off the shadow is promoted and already gets the live traffic" -}}
{{- end -}}
{{- $pct := include "shadow-mirroring.percentage" . -}}
{{- if not (regexMatch "^(100(\\.0{1,4})?|[0-9]{1,2}(\\.[0-9]{1,4})?)$" $pct) -}}
{{- fail (printf "mirroring.percentage must be a number from 0 to 100 with at most 4 decimals, like 100 or 12.5; got %q" $pct) -}}
{{- end -}}
{{- $methods := trim (toString $v.mirroring.methods) -}}
{{- if not (regexMatch "^(\\*|[A-Za-z][A-Za-z-]{0,19}( *, *[A-Za-z][A-Za-z-]{0,19})*)$" $methods) -}}
{{- fail (printf "mirroring.methods must be \"*\" or comma-separated HTTP methods like GET,HEAD; got %q" $methods) -}}
{{- end -}}
{{- if regexMatch "(?i)(^|[ ,])connect($|[ ,])" $methods -}}
{{- fail "mirroring.methods must not contain CONNECT: Envoy cannot mirror it" -}}
{{- end -}}
{{- range $name := list "production" "shadow" -}}
{{- $rate := toString (index $v $name).errorRate -}}
{{- if not (regexMatch "^(0(\\.[0-9]+)?|1(\\.0+)?|\\.[0-9]+)$" $rate) -}}
{{- fail (printf "%s.errorRate must be a number from 0 to 1, like 0.05; got %q" $name $rate) -}}
{{- end -}}
{{- end -}}
{{- if and $v.xdsServer.enabled (ne $v.xdsServer.admin.address "127.0.0.1") (not $v.xdsServer.admin.tokenSecret) -}}
{{- fail (printf "xdsServer.admin.address=%s exposes the admin API beyond the pod and needs xdsServer.admin.tokenSecret" $v.xdsServer.admin.address) -}}
{{- end -}}
{{- if and $v.envoy.enabled (not $v.xdsServer.enabled) (not $v.envoy.xdsAddress) -}}
{{- fail "envoy.enabled=true with xdsServer.enabled=false needs envoy.xdsAddress (host:port of an xds-server)" -}}
{{- end -}}
{{- if and $v.envoy.xdsAddress (not (regexMatch "^[A-Za-z0-9.-]+:[0-9]{1,5}$" $v.envoy.xdsAddress)) -}}
{{- fail (printf "envoy.xdsAddress must be host:port, like xds-server.shadow-mirroring.svc.cluster.local:18000; got %q" $v.envoy.xdsAddress) -}}
{{- end -}}
{{- end -}}

{{/*
A demo app Deployment; called with (dict "root" $ "track" "production"|"shadow").
*/}}
{{- define "shadow-mirroring.appDeployment" -}}
{{- $root := .root -}}
{{- $track := .track -}}
{{- $cfg := index $root.Values $track -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-{{ $track }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    app: demo-app
    version: {{ $track }}
    {{- include "shadow-mirroring.labels" $root | nindent 4 }}
spec:
  replicas: {{ $cfg.replicas | default 1 }}
  selector:
    matchLabels:
      app: demo-app
      version: {{ $track }}
  template:
    metadata:
      labels:
        app: demo-app
        version: {{ $track }}
        app.kubernetes.io/instance: {{ $root.Release.Name }}
    spec:
      automountServiceAccountToken: false # the app never talks to the API server
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
        runAsGroup: 10001
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: app
          image: {{ printf "%s:%s" $root.Values.image.repository $root.Values.image.tag | quote }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          ports:
            - name: http
              containerPort: 8080
          env:
            - name: APP_VERSION
              value: {{ $cfg.version | quote }}
            - name: ERROR_RATE
              value: {{ toString $cfg.errorRate | quote }}
            - name: EXTRA_LATENCY_MS
              value: {{ toString ($cfg.extraLatencyMs | default 0) | quote }}
          readinessProbe:
            httpGet:
              path: /healthz
              port: http
            periodSeconds: 5
          livenessProbe:
            httpGet:
              path: /healthz
              port: http
            initialDelaySeconds: 10
            periodSeconds: 10
          resources:
            {{- toYaml $root.Values.appResources | nindent 12 }}
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: ["ALL"]
          volumeMounts:
            - name: tmp # the JVM writes its perf data under /tmp
              mountPath: /tmp
      volumes:
        - name: tmp
          emptyDir: {}
{{- end -}}
