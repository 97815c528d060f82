-- A near miss of the relevance gate (rules/settings.yaml,
-- review.relevance_margin) is not relevant but carries the codes the rules
-- propose for it, for the analyst who reviews it. Those codes are not
-- counted: document_labels says whether each document is relevant, and
-- documents_by_type counts relevant documents only, as it always meant to.
create or replace view report.document_labels as
select l.document_id, l.dimension, l.code, l.score, cc.relevant
from labels l
join report.current_classifications cc
  on cc.document_id = l.document_id and cc.rule_set_version = l.rule_set_version;

create or replace view report.documents_by_type as
select l.code as type, count(*) as documents
from report.document_labels l
where l.dimension = 'type' and l.relevant
group by l.code;

-- A near miss's review item has no technology: it asks whether the
-- document is relevant after all. It keeps what the classifier proposed
-- (codes, names, marks: the classification message without the document's
-- text, which documents holds), so that "relevant" can resolve its
-- technology as the loader would have.
alter table review_items add column near_miss jsonb;
alter table review_decisions drop constraint review_decisions_action_check;
alter table review_decisions add constraint review_decisions_action_check
    check (action in ('accept', 'correct', 'not_relevant', 'merge', 'note', 'rename', 'split', 'undo', 'relevant'));
