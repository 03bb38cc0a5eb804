"""Every callback_id, block_id and action_id Rebound puts in front of Slack, in one place."""

COMMAND = "/lost-deal"

# The autopsy modal
AUTOPSY_VIEW = "autopsy"
DEAL = "deal"
OUTCOME = "outcome"
DEAL_VALUE = "deal_value"
WINNER = "winner"
COMPETITOR = "competitor"
WINNER_REASON = "winner_reason"
MAIN_REASON = "main_reason"
CUSTOMER_SAID = "customer_said"
CHECK_LISTENED = "check_listened"
CHECK_TIMING = "check_timing"
CHECK_MARKET = "check_market"
CHECK_AGGRESSIVE = "check_aggressive"
FEELINGS = "feelings"
LESSON = "lesson"
TOUCH_BASE_ON = "touch_base_on"
NO_TOUCH_BASE = "no_touch_base"
HELP_FROM = "help_from"
SHARING = "sharing"

# App Home
HOME_ACTIONS = "home_actions"  # block: Log a lost deal, Export my data, Workspace settings
HOME_FOLLOW_UP = "home_follow_up_{id}"  # block: a coming touch-base's answers, one per follow-up
HOME_PAGING = "home_paging"  # block: Newer / Show more
LOG_LOST_DEAL = "log_lost_deal"
EXPORT_MINE = "home_export_mine"
OPEN_SETTINGS = "home_open_settings"
AUTOPSY_MENU = "home_autopsy_menu"  # overflow: edit:<id> / delete:<id>
HOME_PAGE = "home_page"  # "Show more"; value: the offset of the page to show
HOME_NEWER = "home_page_newer"  # "Newer"; the same
HOME_LESSONS_SEARCH = "home_lessons_search"  # block: the lessons search box (Enter sends it)
LESSONS_SEARCH = "lessons_search"  # its input: a competitor, a main reason or words

# Editing and deleting an autopsy (private_metadata: its id)
AUTOPSY_EDIT_VIEW = "autopsy_edit"
AUTOPSY_DELETE_VIEW = "autopsy_delete"
AUTOPSY_DELETE = "autopsy_delete_confirmed"  # the confirmation's red button; value: the autopsy's id
HOME_YOUR_DATA = "home_your_data"
ERASE_MINE = "home_erase_mine"  # "Delete everything I wrote": opens the confirmation
ERASE_MINE_VIEW = "erase_mine"
ERASE_MINE_CONFIRMED = "erase_mine_confirmed"  # the confirmation's red button

# Workspace settings (admins only)
SETTINGS_VIEW = "workspace_settings"
SET_CHANNEL = "digest_channel"
SET_DAY = "digest_day"
SET_TIME = "digest_time"
SET_ZONE = "timezone"
SET_OPTIONS = "digest_options"
SET_TOUCH_BASE_DAYS = "touch_base_days"
SET_REVISIT_DAYS = "revisit_days"
SET_COMPANY = "company_name"  # the sender lost buyers see on their page and in the rep's note

# Competitor names (admins only): merge one name the team used into another (values: their keys)
OPEN_COMPETITOR_NAMES = "home_competitor_names"
COMPETITOR_NAMES_VIEW = "competitor_names"
MERGE_FROM = "merge_from"
MERGE_INTO = "merge_into"

# Follow-up DMs: the block of answers on each kind, and its buttons (value: the follow-up's id)
TOUCH_BASE_ANSWERS = "touch_base_answers"
REVISIT_ANSWERS = "revisit_answers"
HELP_ANSWERS = "help_answers"
REACHED_OUT = "follow_up_reached_out"
SNOOZE_WEEK = "follow_up_snooze_week"
SNOOZE_MONTH = "follow_up_snooze_month"
WON_BACK = "follow_up_won_back"
LET_GO = "follow_up_let_go"
ADD_REVISIT = "follow_up_add_revisit"
HELP_YES = "follow_up_help_yes"
HELP_NO = "follow_up_help_no"
PAUSE = "reminders_pause"
RESUME = "reminders_resume"

# The revisit modal
REVISIT_VIEW = "revisit"
REVISIT_TEXT = "revisit_text"

# The CRM's prompt to write a lost deal's autopsy, and its reminder (value: the follow-up's id)
CRM_PROMPT_ANSWERS = "crm_prompt_answers"
CRM_DO_AUTOPSY = "crm_do_autopsy"
CRM_NOT_THIS_ONE = "crm_not_this_one"
CRM_OPEN_DEAL = "crm_open_deal"  # a link button: Slack opens the URL and still tells the app

# Asking the lost buyer for their side (value: the autopsy's id)
ASK_BUYER = (
    "ask_buyer"  # "Ask <deal> for their side" (thank-you DM, App Home, touch-base DM); "Make a new link"
)
WITHDRAW_BUYER_LINK = "withdraw_buyer_link"  # in the link's modal, behind a confirmation
HOME_ASK_BUYER = "home_ask_buyer_{id}"  # block: an autopsy's ask button in App Home, one per autopsy
BUYER_LINK_VIEW = "buyer_link"  # the link's modal: the link, the note, where it stands

# Workflow Builder: the custom step "Ask for a lost-deal autopsy" (manifest.yml's functions)
ASK_FOR_AUTOPSY_FUNCTION = "ask_for_autopsy"

# Actions: a lesson the team commits to
MAKE_ACTION = "make_action"  # "Make it an action" (thank-you DM, digest, App Home); value: the autopsy's id
ACTION_VIEW = "action"  # the modal (private_metadata: the autopsy's id)
ACTION_WHAT = "action_what"
ACTION_OWNER = "action_owner"
ACTION_DUE_ON = "action_due_on"
ACTION_DUE_ANSWERS = "action_due_answers_{id}"  # block: the reminder's answers, one per action
ACTION_DONE = "action_done"  # value: the action's id, as on the others
ACTION_NOT_DOING = "action_not_doing"  # opens ACTION_DROP_VIEW
ACTION_SNOOZE_WEEK = "action_snooze_week"
ACTION_SNOOZE_UNTIL = "action_snooze_until"  # a datepicker: its block names the action
ACTION_DROP_VIEW = "action_drop"  # the "Not doing" modal (private_metadata: the action's id)
ACTION_WHY = "action_why"
