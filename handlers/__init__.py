"""Rebound's listeners, one module per kind (commands, clicks, form submissions, events,
workflow steps), wired to the app here: this map is the index of everything Slack can ask of Rebound."""

from slack_bolt import App

from bot import ids
from handlers import actions, commands, commitments, events, functions, options, submissions


def register(app: App) -> None:
    app.command(ids.COMMAND)(commands.lost_deal)
    app.view_submission(ids.AUTOPSY_VIEW)(submissions.save_autopsy)
    app.view_submission(ids.REVISIT_VIEW)(submissions.save_revisit)
    app.options(ids.COMPETITOR)(options.competitor_names)
    app.action(ids.LOG_LOST_DEAL)(actions.log_lost_deal)
    for action_id in actions.FOLLOW_UP_ANSWERS:
        app.action(action_id)(actions.answer_follow_up)
    app.action(ids.PAUSE)(actions.pause_or_resume)
    app.action(ids.RESUME)(actions.pause_or_resume)
    app.action(ids.ADD_REVISIT)(actions.add_revisit)
    app.action(ids.CRM_DO_AUTOPSY)(actions.do_crm_autopsy)
    app.action(ids.CRM_NOT_THIS_ONE)(actions.decline_crm_prompt)
    app.action(ids.CRM_OPEN_DEAL)(actions.link_opened)
    app.function(ids.ASK_FOR_AUTOPSY_FUNCTION)(functions.ask_for_autopsy)
    app.event("app_home_opened")(events.home_opened)
    app.action(ids.HOME_PAGE)(actions.show_page)
    app.action(ids.HOME_NEWER)(actions.show_page)
    app.action(ids.LESSONS_SEARCH)(actions.search_lessons)
    app.action(ids.AUTOPSY_MENU)(actions.autopsy_menu)
    app.view_submission(ids.AUTOPSY_EDIT_VIEW)(submissions.save_edit)
    app.action(ids.AUTOPSY_DELETE)(actions.delete_autopsy)
    app.action(ids.EXPORT_MINE)(actions.export_mine)
    app.action(ids.ERASE_MINE)(actions.confirm_erase_mine)
    app.action(ids.ERASE_MINE_CONFIRMED)(actions.erase_mine)
    app.action(ids.OPEN_SETTINGS)(actions.open_settings)
    app.view_submission(ids.SETTINGS_VIEW)(submissions.save_settings)
    app.action(ids.OPEN_COMPETITOR_NAMES)(actions.open_competitor_names)
    app.view_submission(ids.COMPETITOR_NAMES_VIEW)(submissions.merge_competitor_names)
    app.action(ids.ASK_BUYER)(actions.ask_buyer)
    app.action(ids.WITHDRAW_BUYER_LINK)(actions.withdraw_buyer_link)
    app.action(ids.MAKE_ACTION)(commitments.make_action)
    app.view_submission(ids.ACTION_VIEW)(commitments.save_action)
    app.action(ids.ACTION_DONE)(commitments.action_done)
    app.action(ids.ACTION_NOT_DOING)(commitments.action_not_doing)
    app.view_submission(ids.ACTION_DROP_VIEW)(commitments.save_not_doing)
    app.action(ids.ACTION_SNOOZE_WEEK)(commitments.action_snooze)
    app.action(ids.ACTION_SNOOZE_UNTIL)(commitments.action_snooze)


__all__ = ["register"]
