{{/* Chart name (app.kubernetes.io/name). */}}
{{- define "todo-chart.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Prefix of every object name: fullnameOverride or the release name, so the backend is
"<release>-backend" (what BACKEND_URL points at). */}}
{{- define "todo-chart.fullname" -}}
{{- default .Release.Name .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- end -}}

{{- define "todo-chart.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "todo-chart.imageTag" -}}
{{- default .Chart.AppVersion .Values.image.tag -}}
{{- end -}}

{{/* Standard labels. */}}
{{- define "todo-chart.labels" -}}
{{ include "todo-chart.baseLabels" . }}
app.kubernetes.io/version: {{ include "todo-chart.imageTag" . | trunc 63 | quote }}
{{- end -}}

{{/* Without app.kubernetes.io/version: for objects whose pods must not roll when the app's
image changes (the in-chart PostgreSQL). */}}
{{- define "todo-chart.baseLabels" -}}
helm.sh/chart: {{ include "todo-chart.chart" . }}
{{ include "todo-chart.selectorLabels" . }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: todo-chatbot
{{- end -}}

{{- define "todo-chart.selectorLabels" -}}
app.kubernetes.io/name: {{ include "todo-chart.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Labels of one component: (dict "ctx" $ "component" "backend") */}}
{{- define "todo-chart.componentLabels" -}}
{{ include "todo-chart.labels" .ctx }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* Labels of the in-chart PostgreSQL: its version is the postgres image tag. */}}
{{- define "todo-chart.databaseLabels" -}}
{{ include "todo-chart.baseLabels" . }}
app.kubernetes.io/version: {{ .Values.postgresql.image.tag | toString | trunc 63 | quote }}
app.kubernetes.io/component: database
{{- end -}}

{{- define "todo-chart.componentSelectorLabels" -}}
{{ include "todo-chart.selectorLabels" .ctx }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "todo-chart.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "todo-chart.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "todo-chart.secretName" -}}
{{- default (printf "%s-secret" (include "todo-chart.fullname" .)) .Values.existingSecret -}}
{{- end -}}

{{- define "todo-chart.configName" -}}
{{- printf "%s-config" (include "todo-chart.fullname" .) -}}
{{- end -}}

{{- define "todo-chart.backendName" -}}
{{- printf "%s-backend" (include "todo-chart.fullname" .) -}}
{{- end -}}

{{- define "todo-chart.frontendName" -}}
{{- printf "%s-frontend" (include "todo-chart.fullname" .) -}}
{{- end -}}

{{- define "todo-chart.postgresqlName" -}}
{{- printf "%s-postgresql" (include "todo-chart.fullname" .) -}}
{{- end -}}

{{/* Which store the backend uses: postgresql | external | sqlite */}}
{{- define "todo-chart.databaseMode" -}}
{{- if .Values.postgresql.enabled -}}postgresql
{{- else if or .Values.externalDatabase.enabled .Values.secret.databaseUrl -}}external
{{- else -}}sqlite
{{- end -}}
{{- end -}}

{{/* API versions that moved between Kubernetes releases. */}}
{{- define "todo-chart.pdbApiVersion" -}}
{{- if .Capabilities.APIVersions.Has "policy/v1" -}}policy/v1{{- else -}}policy/v1beta1{{- end -}}
{{- end -}}

{{- define "todo-chart.hpaApiVersion" -}}
{{- if .Capabilities.APIVersions.Has "autoscaling/v2" -}}autoscaling/v2{{- else -}}autoscaling/v2beta2{{- end -}}
{{- end -}}

{{/* Checks that fail the render with a clear message. */}}
{{- define "todo-chart.validate" -}}
{{- $mode := include "todo-chart.databaseMode" . -}}
{{- if and (eq $mode "sqlite") (or (gt (int .Values.backend.replicaCount) 1) .Values.backend.autoscaling.enabled) -}}
{{- fail "backend.replicaCount > 1 (or backend.autoscaling) needs a shared database: set postgresql.enabled=true, or secret.databaseUrl / externalDatabase.enabled with a DATABASE_URL. With SQLite each replica would keep its own data." -}}
{{- end -}}
{{- if and .Values.postgresql.enabled (or .Values.externalDatabase.enabled .Values.secret.databaseUrl) -}}
{{- fail "choose one database: postgresql.enabled (in-chart) or an external DATABASE_URL, not both" -}}
{{- end -}}
{{- if and (not .Values.existingSecret) (not .Values.secret.create) -}}
{{- fail "set existingSecret, or secret.create=true: the pods need BETTER_AUTH_SECRET" -}}
{{- end -}}
{{- end -}}

{{/* The preStop hook and grace period shared by both Deployments. */}}
{{- define "todo-chart.lifecycle" -}}
{{- if gt (int .Values.preStopSleepSeconds) 0 }}
lifecycle:
  preStop:
    exec:
      command: ["/bin/sleep", {{ .Values.preStopSleepSeconds | toString | quote }}]
{{- end }}
{{- end -}}

{{/* Environment common to both roles. */}}
{{- define "todo-chart.commonEnv" -}}
- name: HOST
  value: "0.0.0.0"
- name: BETTER_AUTH_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ include "todo-chart.secretName" . }}
      key: BETTER_AUTH_SECRET
- name: LLM_API_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "todo-chart.secretName" . }}
      key: LLM_API_KEY
      optional: true
{{- end -}}
