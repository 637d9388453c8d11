{{/* Percent-encodes a URL user or password (url.QueryEscape, then a space as %20 rather than
"+", which means "+" in the user-info part of a URL). */}}
{{- define "todo-chart.urlUserinfo" -}}
{{- . | toString | urlquery | replace "+" "%20" -}}
{{- end -}}

{{/* The one Deployment (and pod template) both roles use, so probes, securityContext,
volumes, the preStop hook and scheduling can never differ between them by accident:
  (dict "ctx" $ "component" "backend" "role" "api" "env" STRING "mounts" STRING "volumes" STRING)
"env", "mounts" and "volumes" are rendered YAML list items added for that role. */}}
{{- define "todo-chart.deployment" -}}
{{- $ := .ctx }}
{{- $c := dict "ctx" $ "component" .component }}
{{- $v := index $.Values .component }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ printf "%s-%s" (include "todo-chart.fullname" $) .component }}
  namespace: {{ $.Release.Namespace }}
  labels:
    {{- include "todo-chart.componentLabels" $c | nindent 4 }}
spec:
  {{- if not $v.autoscaling.enabled }}
  replicas: {{ $v.replicaCount }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "todo-chart.componentSelectorLabels" $c | nindent 6 }}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      {{- toYaml $.Values.rollingUpdate | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "todo-chart.componentLabels" $c | nindent 8 }}
        {{- with $v.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      annotations:
        checksum/config: {{ include (print $.Template.BasePath "/configmap.yaml") $ | sha256sum }}
        {{- with $v.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "todo-chart.serviceAccountName" $ }}
      automountServiceAccountToken: {{ $.Values.serviceAccount.automountServiceAccountToken }}
      {{- with $.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      terminationGracePeriodSeconds: {{ $.Values.terminationGracePeriodSeconds }}
      securityContext:
        {{- toYaml $.Values.podSecurityContext | nindent 8 }}
      containers:
        - name: {{ .component }}
          image: "{{ $.Values.image.repository }}:{{ include "todo-chart.imageTag" $ }}"
          imagePullPolicy: {{ $.Values.image.pullPolicy }}
          args:
            - {{ .role }}
            {{- range $v.extraArgs }}
            - {{ . | quote }}
            {{- end }}
          ports:
            - name: http
              containerPort: {{ $v.port }}
              protocol: TCP
          envFrom:
            - configMapRef:
                name: {{ include "todo-chart.configName" $ }}
          env:
            - name: PORT
              value: {{ $v.port | quote }}
            {{- include "todo-chart.commonEnv" $ | nindent 12 }}
            {{- with .env }}
            {{- . | nindent 12 }}
            {{- end }}
            {{- with $v.extraEnv }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          {{- with $v.startupProbe }}
          startupProbe:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          {{- with $v.livenessProbe }}
          livenessProbe:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          {{- with $v.readinessProbe }}
          readinessProbe:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          {{- include "todo-chart.lifecycle" $ | nindent 10 }}
          resources:
            {{- toYaml $v.resources | nindent 12 }}
          securityContext:
            {{- toYaml $.Values.securityContext | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
            {{- with .mounts }}
            {{- . | nindent 12 }}
            {{- end }}
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: 64Mi
        {{- with .volumes }}
        {{- . | nindent 8 }}
        {{- end }}
      {{- with $v.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end -}}
