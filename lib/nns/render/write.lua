-- One pandoc run for a book: read its Markdown once, write every output format (and, when asked, the AST as
-- JSON), as `pandoc -f <reader> --metadata-file <meta> -t <format> --standalone --template … ` would, one
-- run per format. Run as `pandoc lua write.lua <job.json>`; the job (nns.render.pandoc.write_formats) says:
--   {"input": path, "metadata": path, "reader": format, "ast": path (optional),
--    "outputs": [{"format": f, "path": p, "template": path, "toc": bool, "toc_depth": n (optional),
--                 "section_divs": bool, "header_includes": path (optional)}, …]}

local function slurp(path)
  local f = assert(io.open(path, 'rb'))
  local text = f:read('a')
  f:close()
  return text
end

local function spit(path, text)
  local f = assert(io.open(path, 'wb'))
  f:write(text)
  f:close()
end

-- the command line's tab filter: tabs become spaces to the next multiple of `stop` columns (characters)
local function expand_tabs(text, stop)
  return (text:gsub('[^\n]+', function(line)
    if not line:find('\t', 1, true) then return line end
    local out, column = {}, 0
    for char in line:gmatch(utf8.charpattern) do
      if char == '\t' then
        local n = stop - column % stop
        out[#out + 1] = string.rep(' ', n)
        column = column + n
      else
        out[#out + 1] = char
        column = column + 1
      end
    end
    return table.concat(out)
  end))
end

-- read as the command line reads: tabs expanded, tables measured against 72 columns; a failure names the file
local function read(text, reader, path)
  local ok, result = pcall(pandoc.read, expand_tabs(text, 4), reader, {columns = 72})
  if not ok then error(path .. ': ' .. tostring(result), 0) end
  return result
end

local job = pandoc.json.decode(slurp(arg[1]), false)
local doc = read(slurp(job.input), job.reader, job.input)
-- --metadata-file: the file's values, read as the book's Markdown, where the document has none of its own
local defaults = read('---\n' .. slurp(job.metadata) .. '\n---\n', job.reader, job.metadata).meta
for key, value in pairs(defaults) do
  if doc.meta[key] == nil then doc.meta[key] = value end
end
if job.ast then spit(job.ast, pandoc.write(doc, 'json')) end
for _, out in ipairs(job.outputs) do
  local options = {
    template = pandoc.template.compile(slurp(out.template), out.template),
    table_of_contents = out.toc,
    section_divs = out.section_divs,
    variables = {},
  }
  if out.toc_depth then options.toc_depth = out.toc_depth end
  if out.header_includes then options.variables['header-includes'] = slurp(out.header_includes) end
  spit(out.path, pandoc.write(doc, out.format, options))
end
