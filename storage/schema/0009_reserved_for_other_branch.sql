-- Placeholder (issue 17 branch s17): version 9 is taken by a migration on another branch; this empty file only
-- keeps the numbering without gaps here. Delete it when that branch's 0009 is merged.
SELECT 1;
