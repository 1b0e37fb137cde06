"""What GTM provides in every web container: built-in variables (API type, and the display name that
``{{…}}`` references use) and built-in triggers."""

from __future__ import annotations

BUILTIN_VARIABLE_NAMES = {
    "pageUrl": "Page URL",
    "pageHostname": "Page Hostname",
    "pagePath": "Page Path",
    "referrer": "Referrer",
    "event": "Event",
    "clickElement": "Click Element",
    "clickClasses": "Click Classes",
    "clickId": "Click ID",
    "clickTarget": "Click Target",
    "clickUrl": "Click URL",
    "clickText": "Click Text",
    "formElement": "Form Element",
    "formClasses": "Form Classes",
    "formId": "Form ID",
    "formTarget": "Form Target",
    "formUrl": "Form URL",
    "formText": "Form Text",
    "errorMessage": "Error Message",
    "errorUrl": "Error URL",
    "errorLine": "Error Line",
    "newHistoryUrl": "New History URL",
    "oldHistoryUrl": "Old History URL",
    "newHistoryFragment": "New History Fragment",
    "oldHistoryFragment": "Old History Fragment",
    "newHistoryState": "New History State",
    "oldHistoryState": "Old History State",
    "historySource": "History Source",
    "containerVersion": "Container Version",
    "debugMode": "Debug Mode",
    "randomNumber": "Random Number",
    "containerId": "Container ID",
    "htmlId": "HTML ID",
    "environmentName": "Environment Name",
    "eventName": "Event Name",
    "clientName": "Client Name",
    "videoProvider": "Video Provider",
    "videoUrl": "Video URL",
    "videoTitle": "Video Title",
    "videoDuration": "Video Duration",
    "videoPercent": "Video Percent",
    "videoVisible": "Video Visible",
    "videoStatus": "Video Status",
    "videoCurrentTime": "Video Current Time",
    "scrollDepthThreshold": "Scroll Depth Threshold",
    "scrollDepthUnits": "Scroll Depth Units",
    "scrollDepthDirection": "Scroll Direction",
    "elementVisibilityRatio": "Percent Visible",
    "elementVisibilityTime": "On-Screen Duration",
    "elementVisibilityFirstTime": "Element Visibility First Time",
    "elementVisibilityRecentTime": "Element Visibility Recent Time",
}

# Variables GTM always knows without enabling them.
ALWAYS_DEFINED = frozenset({"_event"})


def builtin_name(builtin_type: str) -> str:
    return BUILTIN_VARIABLE_NAMES.get(builtin_type, builtin_type)


# Triggers GTM provides in every web container: tags point at them by these fixed ids (as every
# container export in the wild shows: "firingTriggerId": ["2147479553"] for All Pages).
BUILTIN_TRIGGERS = {
    "All Pages": "2147479553",
    "Consent Initialization - All Pages": "2147479572",
    "Initialization - All Pages": "2147479573",
}
