{{/* Labels of one component (name: eci-webhook or eci-reconciler), as in deploy/. */}}
{{- define "eci-virtual-node.labels" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/part-of: eci-virtual-node
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end -}}

{{- define "eci-virtual-node.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{/* The virtual node names, a JSON list: <nodePrefix>0 .. <nodePrefix>N-1. */}}
{{- define "eci-virtual-node.nodeNames" -}}
{{- $names := list -}}
{{- range $i := until (int .Values.reconciler.nodes) -}}
{{- $names = append $names (printf "%s%d" $.Values.reconciler.nodePrefix $i) -}}
{{- end -}}
{{- toJson $names -}}
{{- end -}}

{{- define "eci-virtual-node.credentialsSecret" -}}
{{- .Values.credentials.existingSecret | default "alibaba-addon-secret" -}}
{{- end -}}

{{- define "eci-virtual-node.reconcilerUser" -}}
system:serviceaccount:{{ .Release.Namespace }}:eci-reconciler
{{- end -}}

{{/* Pod-level scheduling values shared by both workloads: .v is webhook or reconciler values. */}}
{{- define "eci-virtual-node.scheduling" -}}
{{- with .root.Values.imagePullSecrets }}
imagePullSecrets: {{ toYaml . | nindent 2 }}
{{- end }}
{{- with .v.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- with .v.nodeSelector }}
nodeSelector: {{ toYaml . | nindent 2 }}
{{- end }}
{{- with .v.tolerations }}
tolerations: {{ toYaml . | nindent 2 }}
{{- end }}
{{- end -}}
