"""The rules of adding opportunities to known candidates, and of candidates and users, on the
in-memory store: the same tests tests/domain runs against PostgreSQL, here in milliseconds."""

from tests.domain.test_candidates_and_users import (  # noqa: F401
    test_a_configured_bootstrap_token_verifies_as_is,
    test_a_duplicate_email_names_the_existing_candidate_case_insensitively,
    test_an_anonymized_candidate_refuses_changes,
    test_an_anonymized_candidates_email_can_be_used_again,
    test_bad_input_is_refused_with_the_field_named_and_nothing_recorded,
    test_changing_emails_moves_the_claim,
    test_every_event_records_who_did_it,
    test_only_admins_create_users_and_only_super_admins_create_super_admins,
    test_profile_updates_keep_the_history,
)
from tests.domain.test_opportunity_rules import (  # noqa: F401
    grace,
    published,
    test_a_copied_file_is_a_new_entry_pointing_at_the_same_bytes,
    test_a_failed_copy_archives_nothing,
    test_a_limited_team_member_only_chooses_postings_that_list_them,
    test_an_opportunity_is_for_a_posting_or_general_never_both_never_neither,
    test_an_unknown_posting_is_refused_by_its_own_code,
    test_archive_and_unarchive,
    test_archiving_an_archived_source_or_with_an_unknown_reason_is_refused,
    test_conversion_follows_the_posting_rules,
    test_converting_a_general_opportunity_keeps_its_id_and_history,
    test_copying_from_another_candidates_opportunity_is_refused,
    test_copying_is_all_or_none_per_category_and_never_copies_secret_files,
    test_copying_is_refused_for_a_candidate_covered_by_gdpr,
    test_draft_pending_and_closed_postings_cannot_be_chosen,
    test_published_and_internal_postings_can_be_chosen,
    test_referral_is_copied_only_together_with_sources,
    test_the_source_is_archived_with_the_copy_in_one_transaction,
    test_the_user_who_adds_an_opportunity_owns_it_by_default,
)
