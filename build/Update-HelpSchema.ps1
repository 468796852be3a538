#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Rewrites docs pages from platyPS 0.14's markdown schema (2.0.0) into platyPS 1.0's.
.DESCRIPTION
    For a page written the old way (front matter "schema: 2.0.0", a yaml block with "Parameter Sets:"
    per parameter section): writes platyPS 1.0's front matter (title, Locale, ms.date, PlatyPS schema
    version), adds "## ALIASES" after the syntax, and turns each parameter's yaml into the 1.0 form
    with one ParameterSets entry per set. Two "### -Name" sections of one parameter are merged into
    one; their descriptions are kept one after the other, so read the result and join them into one text.
    Pages already in the 1.0 schema are left alone. Where platyPS 1.0 is installed, Update-MarkdownCommandHelp
    does the same job; this script is for machines without it. Run it from the repository root.
.EXAMPLE
    ./build/Update-HelpSchema.ps1 -Path ./docs/*.md
#>
[CmdletBinding(SupportsShouldProcess)]
param(
    # The markdown pages to rewrite.
    [Parameter(Mandatory, ValueFromPipeline, ValueFromPipelineByPropertyName)]
    [Alias('FullName')]
    [string[]] $Path
)

begin {
    $date = (Get-Date).ToString('MM/dd/yyyy', [cultureinfo]::InvariantCulture)
    $typeNames = @{
        SwitchParameter = 'System.Management.Automation.SwitchParameter'
        Encoding        = 'System.Text.Encoding'
    }

    function ConvertTo-FullTypeName([string] $Name) {
        $element = $Name -replace '\[\]$', ''
        $suffix = $Name.Substring($element.Length)
        $full = if ($element -match '\.') { $element }
        elseif ($typeNames.ContainsKey($element)) { $typeNames[$element] }
        elseif ("System.$element" -as [type]) { "System.$element" }
        else { "MemMap.$element" }
        $full + $suffix
    }

    function ConvertTo-Yaml([hashtable] $Parameter) {
        $aliases = @($Parameter.Aliases | Where-Object { $_ })
        $default = $Parameter.Default -replace "'", "''"
        "Type: $(ConvertTo-FullTypeName $Parameter.Type)"
        "DefaultValue: '$(if ($default -ne 'None') { $default })'"
        "SupportsWildcards: $($Parameter.Wildcards.ToString().ToLowerInvariant())"
        if ($aliases) { 'Aliases:'; $aliases | ForEach-Object { "- $_" } } else { 'Aliases: []' }
        'ParameterSets:'
        foreach ($set in $Parameter.Sets) {
            "- Name: $($set.Name)"
            "  Position: $($set.Position)"
            "  IsRequired: $($set.Required.ToString().ToLowerInvariant())"
            "  ValueFromPipeline: $($set.ByValue.ToString().ToLowerInvariant())"
            "  ValueFromPipelineByPropertyName: $($set.ByName.ToString().ToLowerInvariant())"
            '  ValueFromRemainingArguments: false'
        }
        'DontShow: false'
        'AcceptedValues: []'
        "HelpMessage: ''"
    }
}

process {
    foreach ($page in Get-Item -Path $Path) {
        $lines = [IO.File]::ReadAllLines($page.FullName)
        if ($lines -match '^PlatyPS schema version:' -or $lines -match '^title:') {
            Write-Verbose "$($page.Name) is already in the platyPS 1.0 schema."
            continue
        }
        $end = [array]::IndexOf($lines, '---', 1)
        $body = [Collections.Generic.List[string]]::new([string[]]$lines[($end + 1)..($lines.Count - 1)])
        $name = $page.BaseName
        $about = $name.StartsWith('about_')
        $front = if ($about) {
            '---', "HelpUri: ''", 'Locale: en-US', "ms.date: $date", 'PlatyPS schema version: 2024-05-01', "title: $name", '---'
        }
        else {
            '---', 'document type: cmdlet', 'external help file: MemMap.dll-Help.xml', "HelpUri: ''", 'Locale: en-US',
            'Module Name: MemMap', "ms.date: $date", 'PlatyPS schema version: 2024-05-01', "title: $name", '---'
        }
        $out = [Collections.Generic.List[string]]::new()
        $parameters = [ordered]@{}
        $section = ''
        $current = $null
        $inCode = $false
        $yaml = $null
        foreach ($line in $body) {
            if (-not $inCode -and $line -match '^## (.+)$') {
                $heading = $Matches[1].Trim()
                if ($section -eq 'SYNTAX' -and -not $about) { $out.AddRange([string[]]('## ALIASES', '', 'This cmdlet has no aliases.', '')) }
                $section = $heading
                $current = $null
            }
            if ($section -eq 'PARAMETERS' -and -not $inCode -and $line -match '^### -(\w+)') {
                $key = $Matches[1]
                if (-not $parameters.Contains($key)) {
                    $parameters[$key] = @{ Description = [Collections.Generic.List[string]]::new(); Sets = [Collections.Generic.List[object]]::new() }
                    $out.Add("<<PARAMETER $key>>")
                }
                $current = $parameters[$key]
                continue
            }
            if ($section -eq 'PARAMETERS' -and -not $inCode -and $line -match '^### ') { $current = $null }
            if ($line.StartsWith('```')) {
                $inCode = -not $inCode
                if ($current -and $line -eq '```yaml') { $yaml = @{}; continue }
                if ($current -and $yaml -and -not $inCode) {
                    $current.Type = $yaml['Type']
                    $current.Aliases = @($yaml['Aliases'] -split ',\s*' | Where-Object { $_ })
                    $current.Default = $yaml['Default value']
                    $current.Wildcards = $yaml['Accept wildcard characters'] -eq 'True'
                    foreach ($set in $yaml['Parameter Sets'] -split ',\s*') {
                        $current.Sets.Add(@{
                                Name = $set; Position = $yaml['Position']; Required = $yaml['Required'] -eq 'True'
                                ByValue = $yaml['Accept pipeline input'] -match 'ByValue'; ByName = $yaml['Accept pipeline input'] -match 'ByPropertyName'
                            })
                    }
                    $yaml = $null
                    continue
                }
            }
            if ($yaml) { if ($line -match '^([^:]+):\s*(.*)$') { $yaml[$Matches[1].Trim()] = $Matches[2].Trim() }; continue }
            if ($current) { $current.Description.Add($line); continue }
            $out.Add($line)
        }
        $text = foreach ($line in $out) {
            if ($line -match '^<<PARAMETER (\w+)>>$') {
                $parameter = $parameters[$Matches[1]]
                "### -$($Matches[1])", ''
                ($parameter.Description -join "`n").Trim(), ''
                '```yaml'; ConvertTo-Yaml $parameter; '```', ''
            }
            else { $line }
        }
        # platyPS 1.0 puts a blank line after every heading (outside code blocks).
        $fenced = $false
        $spaced = foreach ($line in ($front + $text) -split "`n") {
            if ($line.StartsWith('```')) { $fenced = -not $fenced }
            $line
            if (-not $fenced -and $line -match '^#{1,3} ') { '' }
        }
        $result = ($spaced -join "`n") -replace '\n{3,}', "`n`n"
        if ($PSCmdlet.ShouldProcess($page.FullName, 'Rewrite in the platyPS 1.0 schema')) {
            [IO.File]::WriteAllText($page.FullName, $result.TrimEnd() + "`n")
        }
    }
}
