"""GTM's and GA4's interface words for the API's field names and values, so that plans read like
the screens their reviewers know: a tag of type ``gaawe`` is a "Google Analytics: GA4 Event", a
``linkClick`` trigger a "Click - Just Links", a key event counted ``ONCE_PER_SESSION`` "Once per
session".

Each entity kind names its ``Vocabulary`` in its registry record (``goalkeeper.core.kinds``);
``goalkeeper.core.describe.in_words`` applies it. Words come from the interfaces themselves: GTM's
tag and trigger type pickers and configuration screens (the same names Google's Tag Manager help
uses, e.g. "Trigger types": "Click - Just Links", "Form Submission"), GA4 Admin's Events, Key events
and Custom definitions screens, and the names real container exports give built-in variables.
A value without a word (a custom template's ``cvt_…`` id) is shown as the API spells it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from goalkeeper.core.builtins import BUILTIN_VARIABLE_NAMES  # GTM's own words for them


@dataclass(frozen=True)
class Vocabulary:
    """``fields``: a field's label in the interface, by the API's name (a parameter key, or a
    dotted path such as ``defaultValue.numericValue``). ``values``: by field, the interface's
    word for each API value. ``marker``: what the interface calls the field goalkeeper's marker
    lives in (GTM "Notes", GA4 "Description")."""

    fields: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    marker: str = "Notes"


PLAIN = Vocabulary()  # no words of its own: fields as the APIs spell them

# GTM's tag type picker (Tag Configuration > Choose tag type).
TAG_TYPES = {
    "gaawe": "Google Analytics: GA4 Event",
    "gaawc": "Google Analytics: GA4 Configuration",
    "googtag": "Google Tag",
    "ua": "Google Analytics: Universal Analytics",
    "html": "Custom HTML",
    "img": "Custom Image",
    "awct": "Google Ads Conversion Tracking",
    "sp": "Google Ads Remarketing",
    "awud": "Google Ads User-Provided Data Event",
    "gclidw": "Conversion Linker",
    "flc": "Floodlight Counter",
    "fls": "Floodlight Sales",
}

# GTM's trigger type picker (Trigger Configuration > Choose trigger type).
TRIGGER_TYPES = {
    "pageview": "Page View",
    "domReady": "DOM Ready",
    "windowLoaded": "Window Loaded",
    "consentInit": "Consent Initialization",
    "init": "Initialization",
    "click": "Click - All Elements",
    "linkClick": "Click - Just Links",
    "formSubmission": "Form Submission",
    "elementVisibility": "Element Visibility",
    "scrollDepth": "Scroll Depth",
    "youTubeVideo": "YouTube Video",
    "customEvent": "Custom Event",
    "historyChange": "History Change",
    "jsError": "JavaScript Error",
    "timer": "Timer",
    "triggerGroup": "Trigger Group",
}

# GTM's variable type picker (Variable Configuration > Choose variable type).
VARIABLE_TYPES = {
    "v": "Data Layer Variable",
    "c": "Constant",
    "jsm": "Custom JavaScript",
    "j": "JavaScript Variable",
    "k": "1st-Party Cookie",
    "u": "URL",
    "f": "HTTP Referrer",
    "e": "Custom Event",
    "d": "DOM Element",
    "aev": "Auto-Event Variable",
    "vis": "Element Visibility",
    "smm": "Lookup Table",
    "remm": "RegEx Table",
    "gas": "Google Analytics Settings",
    "gtes": "Google Tag: Event Settings",
    "gtcs": "Google Tag: Configuration Settings",
    "awec": "User-Provided Data",
}


GTM_TAG = Vocabulary(
    fields={
        "type": "Tag type",
        "firing triggers": "Firing triggers",
        "eventName": "Event name",
        "measurementIdOverride": "Measurement ID",
        "eventSettingsTable": "Event parameter",
        "userProperties": "User property",
        "sendEcommerceData": "Send Ecommerce data",
        "getEcommerceDataFrom": "Ecommerce data source",
        "notes": "Notes",
    },
    values={"type": TAG_TYPES, "getEcommerceDataFrom": {"dataLayer": "Data Layer", "customObject": "Custom Object"}},
)

GTM_TRIGGER = Vocabulary(
    fields={
        "type": "Trigger type",
        "customEventFilter": "Event name",
        "filter": "Fires on",
        "autoEventFilter": "Enable this trigger when",
        "waitForTags": "Wait for tags",
        "checkValidation": "Check validation",
        "triggerStartOption": "Enable this trigger on",
        "elementSelector": "Element selector",
        "selectorType": "Selection method",
        "firingFrequency": "When to fire this trigger",
        "onScreenRatio": "Minimum percent visible",
        "useOnScreenDuration": "Set minimum on-screen duration",
        "onScreenDuration": "Minimum on-screen duration (ms)",
        "useDomChangeListener": "Observe DOM changes",
        "captureStart": "Capture: Start",
        "captureComplete": "Capture: Complete",
        "capturePause": "Capture: Pause, Seeking, and Buffering",
        "captureProgress": "Capture: Progress",
        "progressThresholdsPercent": "Progress percentages",
        "progressThresholdsTimeInSeconds": "Progress time thresholds (s)",
        "fixMissingApi": "Add JavaScript API support to all YouTube videos",
        "verticalThresholdOn": "Vertical Scroll Depths",
        "verticalThresholdUnits": "Vertical units",
        "verticalThresholdsPercent": "Vertical percentages",
        "verticalThresholdsPixels": "Vertical pixels",
        "horizontalThresholdOn": "Horizontal Scroll Depths",
        "eventName": "Event name",
        "interval": "Interval (ms)",
        "limit": "Limit",
        "notes": "Notes",
    },
    values={
        "type": TRIGGER_TYPES,
        "triggerStartOption": {
            "DOM_READY": "DOM Ready",
            "WINDOW_LOAD": "Window Load",
            "CONTAINER_LOAD": "Container Load",
        },
        "selectorType": {"ID": "ID", "CSS": "CSS Selector"},
        "firingFrequency": {
            "ONCE": "Once per page",
            "ONCE_PER_ELEMENT": "Once per element",
            "MANY_PER_ELEMENT": "Every time an element appears on-screen",
        },
        "verticalThresholdUnits": {"PERCENT": "Percentages", "PIXELS": "Pixels"},
    },
)

GTM_VARIABLE = Vocabulary(
    fields={
        "type": "Variable type",
        "name": "Data Layer Variable Name",
        "dataLayerVersion": "Data Layer Version",
        "setDefaultValue": "Set Default Value",
        "defaultValue": "Default Value",
        "value": "Value",
        "notes": "Notes",
    },
    values={"type": VARIABLE_TYPES, "dataLayerVersion": {"1": "Version 1", "2": "Version 2"}},
)

GTM_BUILTIN_VARIABLE = Vocabulary(fields={"type": "Built-in variable"}, values={"type": BUILTIN_VARIABLE_NAMES})
GTM_FOLDER = Vocabulary(fields={"notes": "Notes"})

# GA4 Admin > Data display > Custom definitions.
_SCOPES = {"EVENT": "Event", "USER": "User", "ITEM": "Item"}
GA4_CUSTOM_DIMENSION = Vocabulary(
    fields={
        "parameterName": "Event parameter",
        "displayName": "Dimension name",
        "scope": "Scope",
        "description": "Description",
        "disallowAdsPersonalization": "Exclude from ads personalization",
    },
    values={"scope": _SCOPES},
    marker="Description",
)
GA4_CUSTOM_METRIC = Vocabulary(
    fields={
        "parameterName": "Event parameter",
        "displayName": "Metric name",
        "scope": "Scope",
        "description": "Description",
        "measurementUnit": "Unit of measurement",
    },
    values={
        "scope": _SCOPES,
        "measurementUnit": {
            "STANDARD": "Standard",
            "CURRENCY": "Currency",
            "FEET": "Feet",
            "METERS": "Meters",
            "KILOMETERS": "Kilometers",
            "MILES": "Miles",
            "MILLISECONDS": "Milliseconds",
            "SECONDS": "Seconds",
            "MINUTES": "Minutes",
            "HOURS": "Hours",
        },
    },
    marker="Description",
)
# GA4 Admin > Data display > Events > Create event.
GA4_EVENT_CREATE_RULE = Vocabulary(
    fields={
        "destinationEvent": "Custom event name",
        "conditions": "Matching conditions",
        "sourceCopyParameters": "Copy parameters from the source event",
        "parameterMutations": "Modify parameters",
    }
)
# GA4 Admin > Data display > Key events.
GA4_KEY_EVENT = Vocabulary(
    fields={
        "eventName": "Event name",
        "countingMethod": "Counting method",
        "defaultValue.numericValue": "Default key event value",
        "defaultValue.currencyCode": "Currency",
    },
    values={"countingMethod": {"ONCE_PER_EVENT": "Once per event", "ONCE_PER_SESSION": "Once per session"}},
)
# GA4 Admin > Data display > Audiences.
GA4_AUDIENCE = Vocabulary(
    fields={
        "displayName": "Audience name",
        "description": "Description",
        "membershipDurationDays": "Membership duration (days)",
        "filterClauses": "Conditions",
        "eventTrigger": "Audience trigger",
        "exclusionDurationMode": "Exclusion",
    },
    marker="Description",
)
